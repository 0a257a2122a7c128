import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { JOB_HEALTH, isTerminal, type RunRecord, type RunState } from '../../contract/model.js';
import type { Engine } from '../engine/engine.js';
import type { ConnectionGuard } from './connections.js';

/** The Prometheus endpoint of the Local API. */
import { METRICS_PATH } from '../../contract/api.js';
export { METRICS_PATH };

export interface ApiMetrics {
  readonly contentType: string;
  /** The Prometheus text exposition of this server's registry. */
  render(): Promise<string>;
  /** Stops listening to the engine. */
  close(): void;
}

/** Durations of runs range from sub-second scripts to hour-long exports. */
const DURATION_BUCKETS = [0.1, 0.5, 1, 5, 15, 30, 60, 300, 900, 1800, 3600];
const LIVE_STATES: readonly RunState[] = ['queued', 'running'];

let processMetrics: Registry | null = null;

/**
 * Process metrics under their usual Prometheus names, read at scrape time.
 * prom-client's `collectDefaultMetrics` is not used: its event-loop-delay
 * histogram samples every 10 ms for the life of the process, which alone costs
 * an idle host more than 1 % of a core (benchmark B6). Created once per process
 * and merged into each server's registry.
 */
function sharedProcessMetrics(): Registry {
  if (processMetrics) return processMetrics;
  const registry = new Registry();
  const startSeconds = Math.round((Date.now() - process.uptime() * 1000) / 1000);
  new Counter({
    name: 'process_cpu_seconds_total',
    help: 'Total user and system CPU time spent in seconds.',
    registers: [registry],
    collect() {
      const { user, system } = process.cpuUsage();
      this.reset();
      this.inc((user + system) / 1e6);
    },
  });
  new Gauge({
    name: 'process_resident_memory_bytes',
    help: 'Resident memory size in bytes.',
    registers: [registry],
    collect() {
      this.set(process.memoryUsage().rss);
    },
  });
  new Gauge({
    name: 'process_start_time_seconds',
    help: 'Start time of the process since unix epoch in seconds.',
    registers: [registry],
    collect() {
      this.set(startSeconds);
    },
  });
  new Gauge({
    name: 'nodejs_heap_size_used_bytes',
    help: 'Process heap size used from Node.js in bytes.',
    registers: [registry],
    collect() {
      this.set(process.memoryUsage().heapUsed);
    },
  });
  new Gauge({
    name: 'nodejs_heap_size_total_bytes',
    help: 'Process heap size from Node.js in bytes.',
    registers: [registry],
    collect() {
      this.set(process.memoryUsage().heapTotal);
    },
  });
  new Gauge({
    name: 'nodejs_active_handles_total',
    help: 'Number of active libuv handles.',
    registers: [registry],
    collect() {
      this.set(process.getActiveResourcesInfo().length);
    },
  });
  new Gauge({
    name: 'nodejs_version_info',
    help: 'Node.js version info.',
    labelNames: ['version'],
    registers: [registry],
    collect() {
      this.set({ version: process.version }, 1);
    },
  });
  processMetrics = registry;
  return registry;
}

/**
 * Run counters, durations and live gauges for one server, in a registry of its
 * own (never prom-client's global one, so two servers in a process do not mix).
 * Counters and the histogram count what this server saw finish; gauges are read
 * from the engine at scrape time.
 */
export function createApiMetrics(engine: Engine, connections: ConnectionGuard): ApiMetrics {
  const registry = new Registry();
  new Gauge({
    name: 'jobtray_api_connections',
    help: 'Open connections to the Local API.',
    registers: [registry],
    collect() {
      this.set(connections.open);
    },
  });
  new Counter({
    name: 'jobtray_api_connections_refused_total',
    help: 'Connections closed at once because the connection cap was reached.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(connections.refused);
    },
  });

  const runsTotal = new Counter({
    name: 'jobtray_runs_total',
    help: 'Finished runs by job and outcome (terminal state).',
    labelNames: ['job', 'outcome'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'jobtray_run_duration_seconds',
    help: 'Duration of finished runs.',
    labelNames: ['job'],
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const live = trackLiveRuns(engine);
  new Gauge({
    name: 'jobtray_runs_running',
    help: 'Runs executing now.',
    registers: [registry],
    collect() {
      this.set(live.count('running'));
    },
  });
  new Gauge({
    name: 'jobtray_runs_queued',
    help: 'Runs waiting for a slot.',
    registers: [registry],
    collect() {
      this.set(live.count('queued'));
    },
  });
  new Gauge({
    name: 'jobtray_job_health',
    help: 'Health of each job: 1 for its current health, 0 for the others.',
    labelNames: ['job', 'health'],
    registers: [registry],
    collect() {
      // Removed jobs must disappear from the exposition, so the series are rebuilt on each scrape.
      this.reset();
      for (const [job, current] of Object.entries(engine.health().jobs)) {
        for (const health of JOB_HEALTH) this.set({ job, health }, health === current ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: 'jobtray_health_overall',
    help: 'Overall health (the worst job health): 1 for the current one, 0 for the others.',
    labelNames: ['health'],
    registers: [registry],
    collect() {
      const overall = engine.health().overall;
      for (const health of JOB_HEALTH) this.set({ health }, health === overall ? 1 : 0);
    },
  });
  new Gauge({
    name: 'jobtray_config_errors',
    help: 'Errors in the jobs file as last read.',
    registers: [registry],
    collect() {
      this.set(engine.configStatus().errors.length);
    },
  });
  new Gauge({
    name: 'jobtray_storage_problem',
    help: 'Writing to the data directory fails (disk full, I/O error): 1 while it lasts, else 0.',
    registers: [registry],
    collect() {
      this.set(engine.health().storage ? 1 : 0);
    },
  });

  const offFinished = engine.events.on('run:state', (run) => {
    if (!isTerminal(run.state)) return;
    runsTotal.inc({ job: run.job_id, outcome: run.state });
    if (run.duration_ms !== null) duration.observe({ job: run.job_id }, run.duration_ms / 1000);
  });
  const exposed = Registry.merge([registry, sharedProcessMetrics()]);
  return {
    contentType: exposed.contentType,
    render: () => exposed.metrics(),
    close() {
      offFinished();
      live.close();
    },
  };
}

/**
 * Queued and running runs, from the store at start and then from run:state
 * events (every state change is announced after it is stored).
 */
function trackLiveRuns(engine: Engine): { count(state: RunState): number; close(): void } {
  const states = new Map<number, RunState>();
  for (const state of LIVE_STATES) {
    for (const run of allRuns(engine, state)) states.set(run.id, run.state);
  }
  const off = engine.events.on('run:state', (run) => {
    if (LIVE_STATES.includes(run.state)) states.set(run.id, run.state);
    else states.delete(run.id);
  });
  return {
    count: (state) => [...states.values()].filter((s) => s === state).length,
    close: off,
  };
}

function* allRuns(engine: Engine, state: RunState): Generator<RunRecord> {
  let cursor: string | undefined;
  do {
    const page = engine.listRuns({ state, limit: 500, ...(cursor ? { cursor } : {}) });
    yield* page.runs;
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
}
