import {
  LOG_LEVELS,
  LOG_STREAMS,
  type JobKind,
  type LogLineInput,
  type ParamValues,
  type StopReason,
  type WorkerErrorCode,
} from './model.js';

/**
 * Messages between the engine (main thread) and the Bree worker that runs one
 * attempt of a job. The worker never posts Bree's `'done'`: it makes Bree drop
 * every `exit` listener, and the engine learns the outcome from `result` + `exit`.
 */

/**
 * Every process a command job starts carries `JOBTRAY_RUN_KEY=<store id>:<run id>`
 * in its environment (main/engine/run-processes.ts); the command supervisor
 * sweeps by it after each command (workers/run-key-sweep.ts).
 */
export const RUN_KEY_ENV = 'JOBTRAY_RUN_KEY';

/** What the worker needs to run one attempt; passed as Bree `workerData`. */
export interface WorkerRunSpec {
  run_id: number;
  job_id: string;
  attempt: number;
  params: ParamValues;
  kind: JobKind;
  /** command jobs: argv with placeholders already filled. */
  argv: string[] | null;
  /** script jobs: absolute module path. */
  script: string | null;
  cwd: string;
  /** Complete environment for the child process (command jobs). */
  env: Record<string, string>;
  /**
   * Log flow control: at most this many log lines posted and not yet
   * acknowledged by `logs_written`; beyond it the worker holds lines back and
   * stops reading a command's output until the engine catches up. Absent: no
   * limit (nothing will acknowledge).
   */
  log_window?: number;
}

export type WorkerToEngine =
  /** The job's own code is about to start (the module is imported / the process spawned). */
  | { type: 'started'; at: number }
  | { type: 'spawned'; pid: number }
  | { type: 'progress'; percent: number | null; step: string | null }
  | { type: 'log'; packed: PackedLogLines }
  /**
   * The command supervisor only: it stored a batch of `posted` lines itself
   * (they count against the window like a `log` batch until acknowledged).
   * `count` lines were stored, numbered from `first_seq` (fewer than posted
   * at the log cap); `lines`: those lines serialized, one `run:log` event's
   * worth each, only when the engine said it follows `run:log`
   * (SupervisorLogState).
   */
  | {
      type: 'log_stored';
      posted: number;
      count: number;
      first_seq: number;
      lines: SerializedLogLines[] | null;
    }
  | { type: 'artifact'; name: string; path: string | null; data: Uint8Array | string | null }
  /**
   * `swept`: after the command ended, the worker SIGKILLed every process
   * carrying the attempt's run key (the command supervisor does), so the
   * engine need not scan for them again.
   */
  | { type: 'result'; outcome: WorkerOutcome; swept?: boolean };

export type WorkerOutcome =
  /** `exit_code`: a command job's process exit code (always 0 here); absent for script jobs, which have no process. */
  | { ok: true; result: unknown; exit_code?: number }
  | {
      ok: false;
      /** exception | fatal | exit_code | spawn | aborted */
      code: WorkerErrorCode;
      message: string;
      stack: string | null;
      exit_code: number | null;
      signal: string | null;
    };

export type EngineToWorker =
  | { type: 'cancel'; reason: StopReason }
  /** The engine has stored this many more of the log lines the worker posted (see WorkerRunSpec.log_window). */
  | { type: 'logs_written'; lines: number }
  /** To a pre-started (warm) worker: the attempt it runs. Cold workers get it as `workerData.run`. */
  | { type: 'start'; run: WorkerRunSpec };

/**
 * Messages between the engine and the command supervisor
 * (workers/command-supervisor.ts): one long-lived worker thread that runs
 * many command attempts at once, each named by its run id. Per attempt it
 * speaks the same protocol as a one-attempt worker (WorkerToEngine,
 * EngineToWorker), wrapped with the run id.
 */
export type EngineToSupervisor =
  /** Starts an attempt of a command job (`run.kind` is 'command'). */
  | { type: 'start'; run: WorkerRunSpec; log: SupervisorLogState }
  | { type: 'cancel'; run_id: number; reason: StopReason }
  | { type: 'logs_written'; run_id: number; lines: number; log: SupervisorLogState }
  /** The engine gave up on the attempt (forced stop, its tree is killed): stop reading its output and post nothing more of it. */
  | { type: 'forget'; run_id: number }
  /** Tests of a full disk: SQLite's max_page_count on the supervisor's connection (null: as opened). */
  | { type: 'page_limit'; pages: number | null };

/**
 * What a thread needs to open a connection of its own to the run store (the
 * log writer's, main/engine/log-writer.ts; the command supervisor's):
 * openStoreConnection (main/engine/store) opens it.
 */
export interface StoreConnectionStart {
  /** The run store's SQLite file. */
  path: string;
  /** The run store's write lock (main/engine/store/write-lock.ts), shared by every connection. */
  writeLock: SharedArrayBuffer;
  /** better-sqlite3's compiled addon (the Electron app's own build), or null for the default. */
  nativeBinding: string | null;
  /** Tests of a full disk: SQLite's max_page_count, or null. */
  pageLimit: number | null;
}

/**
 * The command supervisor stores its commands' output itself
 * (workers/command-supervisor.ts): its `workerData`. `store` is null when it
 * has no connection of its own (every batch then goes to the engine as `log`).
 */
export interface SupervisorStart {
  store: StoreConnectionStart | null;
}

/**
 * What the supervisor needs to store an attempt's lines as the engine would,
 * sent with `start` and every `logs_written` (so at most a batch late): the
 * log cap per run, and whether anyone follows `run:log` (then stored lines are
 * posted back to be announced).
 */
export interface SupervisorLogState {
  cap: number;
  follow: boolean;
}

/** One attempt's message, as a one-attempt worker would post it. */
export interface SupervisorToEngine {
  run_id: number;
  message: WorkerToEngine;
}

/**
 * What a system error code means when starting a process or a worker failed
 * for lack of resources, or null for any other code. Shared by the worker (a
 * command that cannot be spawned) and the engine (a worker that cannot start),
 * so both say it the same way; either way the run fails and is retried per its
 * job's retry policy.
 */
export function resourceExhaustion(code: string | undefined): string | null {
  switch (code) {
    case 'EMFILE':
      return 'too many open files: Jobtray reached its limit of open file descriptors (ulimit -n); too many connections to its Local API can cause this';
    case 'ENFILE':
      return 'too many open files on this machine: the system-wide limit of open files is reached';
    case 'EAGAIN':
      return 'the system refused to start another process for now (the process limit, ulimit -u, or memory is exhausted)';
    default:
      return null;
  }
}

/**
 * Log lines that cross a thread in one message, or go out in one `run:log`
 * event, take about this many characters at most serialized, so the string
 * holding them stays under 128 KB even with two bytes a character: V8 puts a
 * larger string in its large-object space, on fresh pages each time, and a
 * thread receiving or sending a batch of 1,000 lines spent more on that than
 * on the batch itself (benchmark B3, docs/PERFORMANCE.md).
 */
export const LOG_SEGMENT_CHARS = 60 * 1024;
/** About what a line's fields other than its message take in JSON (a `run:log` event). */
export const JSON_LINE_OVERHEAD_CHARS = 90;

/**
 * Where the segment of `lines` starting at `from` ends (exclusive): at most
 * `maxLines` lines and about LOG_SEGMENT_CHARS characters, counting each
 * line's message and `overhead` (0 for packed lines: their text is the
 * messages alone), but at least one line (a longer line goes alone).
 */
export function logSegmentEnd(
  lines: readonly { message: string }[],
  from: number,
  maxLines = Infinity,
  overhead = 0,
): number {
  const last = Math.min(lines.length, from + maxLines);
  let chars = 0;
  for (let i = from; i < last; i++) {
    chars += lines[i]!.message.length + overhead;
    if (chars > LOG_SEGMENT_CHARS && i > from) return i;
  }
  return last;
}

/** `lines` in segments of logSegmentEnd, in order (the array itself when it is one). */
export function logSegments<T extends { message: string }>(lines: T[], overhead = 0): T[][] {
  const segments: T[][] = [];
  for (let from = 0; from < lines.length;) {
    const end = logSegmentEnd(lines, from, Infinity, overhead);
    segments.push(from === 0 && end === lines.length ? lines : lines.slice(from, end));
    from = end;
  }
  return segments;
}

/**
 * Stored log lines as the threads that store them send them back to the
 * engine (the command supervisor's `log_stored`, the log writer's answer):
 * the UTF-8 JSON of a `LogLine[]` of about LOG_SEGMENT_CHARS, the `lines` of
 * one `run:log` event exactly as the Local API streams it. Its buffer is
 * transferred, not copied. main/engine/serialized-log-lines.ts makes and
 * reads it.
 */
export type SerializedLogLines = Uint8Array;

/** The buffers of serialized segments, to transfer (each has a buffer of its own, see serializeLogLines). */
export function serializedTransferList(segments: readonly SerializedLogLines[]): ArrayBuffer[] {
  return segments.map((segment) => segment.buffer as ArrayBuffer);
}

/**
 * Log lines packed for postMessage: one string and four typed arrays instead
 * of an object per line. Structured clone of many small objects dominated the
 * cost of a chatty job's log on the engine's thread (benchmark B3).
 */
export interface PackedLogLines {
  ts: Float64Array;
  /** Index into LOG_STREAMS. */
  stream: Uint8Array;
  /** Index into LOG_LEVELS. */
  level: Uint8Array;
  /** Length of each message in `text` (UTF-16 code units). */
  length: Uint32Array;
  /** The messages, concatenated. */
  text: string;
}

export function packLogLines(lines: readonly LogLineInput[]): PackedLogLines {
  const n = lines.length;
  const packed: PackedLogLines = {
    ts: new Float64Array(n),
    stream: new Uint8Array(n),
    level: new Uint8Array(n),
    length: new Uint32Array(n),
    text: '',
  };
  const parts: string[] = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const line = lines[i]!;
    packed.ts[i] = line.ts;
    packed.stream[i] = LOG_STREAMS.indexOf(line.stream);
    packed.level[i] = LOG_LEVELS.indexOf(line.level);
    packed.length[i] = line.message.length;
    parts[i] = line.message;
  }
  packed.text = parts.join('');
  return packed;
}

/** The transferable buffers of a packed batch (postMessage moves them instead of copying). */
export function packedTransferList(packed: PackedLogLines): ArrayBuffer[] {
  return [packed.ts.buffer, packed.stream.buffer, packed.level.buffer, packed.length.buffer] as ArrayBuffer[];
}

export function unpackLogLines(packed: PackedLogLines): LogLineInput[] {
  const n = packed.length.length;
  const lines = new Array<LogLineInput>(n);
  let offset = 0;
  for (let i = 0; i < n; i++) {
    const end = offset + packed.length[i]!;
    lines[i] = {
      ts: packed.ts[i]!,
      stream: LOG_STREAMS[packed.stream[i]!] ?? 'system',
      level: LOG_LEVELS[packed.level[i]!] ?? 'info',
      message: packed.text.slice(offset, end),
    };
    offset = end;
  }
  return lines;
}
