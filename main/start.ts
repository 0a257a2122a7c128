import { defaultDataDir } from './host/data-dir.js';
import { decideStart, launchElectron } from './host/desktop-launch.js';
import { runHostUntilSignal } from './host/host.js';
import { packageRoot } from './engine/paths.js';

/**
 * `npm start`: launches the Electron tray app where the Electron runtime and a
 * display exist; elsewhere (these machines, servers) says so in one line and
 * runs the headless host: engine + Local API + dashboard in a browser.
 */
async function main(): Promise<void> {
  const root = packageRoot();
  const choice = await decideStart({ root, print: (line) => console.log(line) });
  if (choice.mode === 'electron') process.exit(await launchElectron(choice.binary, root));
  console.log(`Jobtray: ${choice.reason}; running the headless host instead (dashboard in your browser).`);
  await runHostUntilSignal({ dataDir: defaultDataDir(), consoleLog: 'warn', print: (line) => console.log(line) });
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(`Jobtray could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
