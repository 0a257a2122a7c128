import open from 'open';
import { decideStart, launchElectron } from './host/desktop-launch.js';
import { runHostUntilSignal } from './host/host.js';
import { decideOpenBrowser } from './host/open-browser.js';
import { hostOptionsFrom, parseStartArgs } from './host/serve-options.js';
import { packageRoot } from './engine/paths.js';

/**
 * `npm start [-- options]`: launches the Electron tray app where the Electron
 * runtime and a display exist; elsewhere (these machines, servers) says so in
 * one line and runs the headless host: engine + Local API + dashboard in a
 * browser, which it opens where there is a desktop session (`--no-open` or
 * JOBTRAY_NO_OPEN=1 to not). It takes the options of `jobtray serve`
 * (main/host/serve-options.ts).
 */
async function main(argv: string[]): Promise<void> {
  const parsed = parseStartArgs(argv, {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  });
  if (parsed.kind === 'exit') process.exit(parsed.code);
  const root = packageRoot();
  const choice = await decideStart({ root, print: (line) => console.log(line) });
  if (choice.mode === 'electron') process.exit(await launchElectron(choice.binary, root));
  console.log(`Jobtray: ${choice.reason}; running the headless host instead (dashboard in your browser).`);
  await runHostUntilSignal({
    ...hostOptionsFrom(parsed.args, process.env),
    consoleLog: 'warn',
    print: (line) => console.log(line),
    onStarted: (host) => {
      const decision = decideOpenBrowser({
        argv,
        env: process.env,
        platform: process.platform,
        hasDashboard: host.hasDashboard,
      });
      if (!decision.open) return;
      // The URL carries the token in its fragment: handed to the browser, never logged.
      open(host.loginUrl).catch((error: unknown) =>
        console.log(
          `Could not open a browser (${error instanceof Error ? error.message : String(error)}); open the Dashboard URL above.`,
        ),
      );
    },
  });
  process.exit(0);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`Jobtray could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
