import { defaultDataDir } from './host/data-dir.js';
import { decideStart, launchElectron } from './host/desktop-launch.js';
import { runHostUntilSignal } from './host/host.js';
import open from 'open';
import { decideOpenBrowser } from './host/open-browser.js';
import { packageRoot } from './engine/paths.js';

/**
 * `npm start`: launches the Electron tray app where the Electron runtime and a
 * display exist; elsewhere (these machines, servers) says so in one line and
 * runs the headless host: engine + Local API + dashboard in a browser, which
 * it opens where there is a desktop session (`--no-open` or JOBTRAY_NO_OPEN=1
 * to not).
 */
async function main(): Promise<void> {
  const root = packageRoot();
  const choice = await decideStart({ root, print: (line) => console.log(line) });
  if (choice.mode === 'electron') process.exit(await launchElectron(choice.binary, root));
  console.log(`Jobtray: ${choice.reason}; running the headless host instead (dashboard in your browser).`);
  await runHostUntilSignal({
    dataDir: defaultDataDir(),
    consoleLog: 'warn',
    print: (line) => console.log(line),
    onStarted: (host) => {
      const decision = decideOpenBrowser({ argv: process.argv.slice(2), env: process.env, platform: process.platform, hasDashboard: host.hasDashboard });
      if (!decision.open) return;
      // The URL carries the token in its fragment: handed to the browser, never logged.
      open(host.loginUrl).catch((error: unknown) => console.log(`Could not open a browser (${error instanceof Error ? error.message : String(error)}); open the Dashboard URL above.`));
    },
  });
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(`Jobtray could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
