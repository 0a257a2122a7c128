import { spawn } from 'node:child_process';
import path from 'node:path';
import { runHostUntilSignal } from './host/host.js';
import { hostOptionsFrom, parseStartArgs } from './host/serve-options.js';
import { chooseStartMode, startFacts } from './host/start-mode.js';
import { packageRoot } from './engine/paths.js';

/**
 * `npm start [-- options]`: launches the Electron tray app where the Electron
 * runtime and a display exist; elsewhere (these machines, servers) says so in
 * one line and runs the headless host: engine + Local API + dashboard in a
 * browser. It takes the options of `jobtray serve` (main/host/serve-options.ts).
 */
async function main(argv: string[]): Promise<void> {
  const parsed = parseStartArgs(argv, { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) });
  if (parsed.kind === 'exit') process.exit(parsed.code);
  const appEntry = path.join(packageRoot(), 'dist', 'electron', 'main.js');
  const choice = chooseStartMode(startFacts(appEntry));
  if (choice.mode === 'electron') {
    const child = spawn(choice.binary, [appEntry, ...argv], { stdio: 'inherit' });
    child.on('exit', (code) => process.exit(code ?? 0));
    return;
  }
  console.log(`Jobtray: ${choice.reason}; running the headless host instead (dashboard in your browser).`);
  await runHostUntilSignal({ ...hostOptionsFrom(parsed.args, process.env), consoleLog: 'warn', print: (line) => console.log(line) });
  process.exit(0);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`Jobtray could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
