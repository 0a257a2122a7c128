import type { LogLine, RunRecord } from '../../contract/model.js';
import { FAILED_STATES, isTerminal } from '../../contract/model.js';
import type { ApiClient } from './client.js';
import { followEvents } from './events.js';
import { clockTime, describeOutcome } from '../../contract/format.js';
import { formatLogLine, type OutStream } from './format.js';
import type { ProgressView } from './progress.js';

/**
 * Waits for a run to end, following its retry chain: when an attempt fails
 * and the engine schedules a retry (a run whose parent is that attempt), the
 * wait moves on to the retry. Resolves with the chain's last run, or null when
 * `signal` aborted first (the run keeps going in Jobtray).
 */
export async function waitForRunChain(
  client: ApiClient,
  runId: number,
  view: ProgressView | null,
  signal: AbortSignal,
): Promise<RunRecord | null> {
  let current: RunRecord | null = null;
  let final: RunRecord | null = null;

  /** Shows a newer record of the run being waited for; true once the chain has ended. */
  const consider = async (run: RunRecord): Promise<boolean> => {
    current = run;
    // How a run ended is said in a sentence (by the caller, or the retry notice below), not as a bar.
    if (!isTerminal(run.state)) {
      view?.update(run);
      return false;
    }
    const retry = FAILED_STATES.includes(run.state) ? await findRetry(client, run) : null;
    if (!retry) {
      final = run;
      return true;
    }
    view?.line(
      `${describeOutcome(run)} — retry scheduled (attempt ${retry.attempt}/${retry.max_attempts} at ${clockTime(retry.due_at ?? Date.now())})`,
    );
    return consider(retry);
  };
  const waitingFor = () => current?.id ?? runId;

  await followEvents(
    client,
    ['run:state', 'run:progress'],
    {
      resync: async () => consider(await client.call('runs:get', { id: waitingFor() })),
      event: async (event) => {
        if (event.name === 'run:state' && event.data.id === waitingFor()) return consider(event.data);
        if (event.name === 'run:progress' && event.data.run_id === waitingFor() && current) {
          current = { ...current, progress: event.data.progress, step: event.data.step };
          view?.update(current);
        }
        return false;
      },
    },
    signal,
  );
  view?.end();
  return final;
}

/** The retry the engine scheduled for a failed attempt, if any. It is stored before the attempt's end is announced. */
async function findRetry(client: ApiClient, run: RunRecord): Promise<RunRecord | null> {
  const page = await client.call('runs:list', { job: run.job_id, trigger: 'retry', since: run.created_at, limit: 100 });
  return page.runs.find((r) => r.parent_run_id === run.id) ?? null;
}

/** A run's stored log lines after `after`, page by page, up to the newest. */
export async function* logPages(client: ApiClient, runId: number, after: number): AsyncGenerator<LogLine[]> {
  for (;;) {
    const page = await client.call('runs:logs', { id: runId, after, limit: 5_000 });
    yield page.lines;
    if (page.next_after === null || page.lines.length === 0) return;
    after = page.next_after;
  }
}

/**
 * Prints a run's log lines; with `follow`, keeps printing new ones from
 * `run:log` events until the run ends (or `signal` aborts). Lines are printed
 * once each, in order: a gap in the events (a reconnection) is filled from the API.
 */
export async function printRunLogs(
  client: ApiClient,
  runId: number,
  out: OutStream,
  options: { follow: boolean; signal?: AbortSignal },
): Promise<void> {
  let after = 0;
  const print = (lines: LogLine[]) => {
    for (const line of lines) {
      if (line.seq <= after) continue;
      out.write(`${formatLogLine(line, out)}\n`);
      after = line.seq;
    }
  };
  const catchUp = async () => {
    for await (const lines of logPages(client, runId, after)) print(lines);
  };

  if (!options.follow) return catchUp();
  await followEvents(
    client,
    ['run:state', 'run:log'],
    {
      resync: async () => {
        await catchUp();
        if (!isTerminal((await client.call('runs:get', { id: runId })).state)) return false;
        // Lines written between the first page and the state are not lost.
        await catchUp();
        return true;
      },
      event: async (event) => {
        if (event.name === 'run:log' && event.data.run_id === runId) {
          const first = event.data.lines[0];
          if (first && first.seq > after + 1) await catchUp();
          print(event.data.lines);
        }
        if (event.name === 'run:state' && event.data.id === runId && isTerminal(event.data.state)) {
          await catchUp();
          return true;
        }
        return false;
      },
    },
    options.signal ?? new AbortController().signal,
  );
}
