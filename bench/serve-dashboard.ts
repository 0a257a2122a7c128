import { runHostUntilSignal, type HostOptions } from '../main/host/host.js';

/**
 * `node dist/bench/serve-dashboard.js '<HostOptions as JSON>'`: the headless
 * host in a process of its own, as `jobtray serve` runs it, but with the
 * bench's static folder and settings (B7, screenshots). Prints what `jobtray
 * serve` prints; stops on SIGTERM.
 */
const options = JSON.parse(process.argv[2] ?? '{}') as HostOptions;
await runHostUntilSignal({
  ...options,
  port: 0,
  watch: false,
  consoleLog: 'error',
  print: (line) => console.log(line),
});
