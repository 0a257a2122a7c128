import { createEngine } from './engine/engine.js';
import { defaultDataDir } from './host/data-dir.js';
import type { RunRecord } from '../contract/model.js';

/**
 * `npm start` until the headless host exists: runs the engine in the
 * foreground on the default jobs file and prints run events as they happen.
 */
async function main(): Promise<void> {
  const dataDir = defaultDataDir();
  const engine = await createEngine({ dataDir, consoleLog: 'warn' });
  const describe = (run: RunRecord) =>
    `run ${run.id} ${run.job_id} [${run.trigger}, attempt ${run.attempt}/${run.max_attempts}] ${run.state}` +
    (run.error ? ` — ${run.error}` : '') +
    (run.reason ? ` (${run.reason})` : '');
  engine.events.on('run:state', (run) => console.log(`${new Date().toISOString()} ${describe(run)}`));
  engine.events.on('run:progress', (p) => console.log(`${new Date().toISOString()} run ${p.run_id} ${p.job_id} ${p.progress ?? '-'}% ${p.step ?? ''}`));
  engine.events.on('config:error', (s) => console.log(`jobs file has errors:\n${s.errors.map((e) => `  ${e.message}`).join('\n')}`));
  engine.events.on('health:change', (h) => console.log(`health: ${h.overall}`));
  console.log(`Jobtray engine running. Data: ${dataDir}. Jobs file: ${engine.jobsFile}. Ctrl+C stops.`);
  for (const job of engine.listJobs()) {
    console.log(`  ${job.id.padEnd(20)} ${job.health.padEnd(9)} next: ${job.next_fire_at ? new Date(job.next_fire_at).toISOString() : 'manual'}`);
  }
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('stopping: running runs are stopped and recorded as interrupted…');
    await engine.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
