/**
 * Stored log lines in the form the threads that store them send them back:
 * the UTF-8 JSON of a `LogLine[]` (contract/worker-protocol.ts,
 * SerializedLogLines) — exactly the `lines` of the `run:log` event the Local
 * API streams.
 *
 * The engine's thread, which also serves the tray, IPC and the Local API,
 * neither builds an object per line nor serializes one: a `run:log` event
 * made by runLogEvent parses its lines only when a listener reads them (the
 * desktop app's IPC, a test), and the event stream writes the bytes as they
 * came (main/api/sse.ts). With one SSE client of a chatty job, building and
 * serializing the lines there was most of that thread's work, and what it
 * allocated made the garbage collector stop it for up to 15 ms (benchmark B3,
 * docs/PERFORMANCE.md).
 */
import type { EngineEventMap } from '../../contract/events.js';
import type { LogLine } from '../../contract/model.js';
import type { SerializedLogLines } from '../../contract/worker-protocol.js';

type RunLogEvent = EngineEventMap['run:log'];

const SERIALIZED = Symbol('jobtray.run-log.serialized-lines');

/**
 * `lines` as SerializedLogLines, in a buffer of its own (never a slice of
 * Node's shared pool), so postMessage can transfer it.
 */
export function serializeLogLines(lines: readonly LogLine[]): SerializedLogLines {
  const json = JSON.stringify(lines);
  // Buffer's UTF-8 encoder: about ten times TextEncoder's speed on Node 20.
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(json));
  bytes.write(json);
  return bytes;
}

export function parseLogLines(bytes: SerializedLogLines): LogLine[] {
  return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as LogLine[];
}

/**
 * A `run:log` event whose lines came serialized: `lines` is parsed on its
 * first read (and kept), so JSON.stringify, structured clone and spreading
 * see it as on any other event; serializedLinesOf gives the bytes.
 */
export function runLogEvent(runId: number, jobId: string, bytes: SerializedLogLines): RunLogEvent {
  let lines: LogLine[] | null = null;
  return Object.defineProperties({ run_id: runId, job_id: jobId } as RunLogEvent, {
    lines: { enumerable: true, get: () => (lines ??= parseLogLines(bytes)) },
    // Not enumerable: a copy (`{ ...event, lines }`) is a plain event, streamed from its own lines.
    [SERIALIZED]: { value: bytes },
  });
}

/** The serialized `lines` of an event made by runLogEvent; null for any other. */
export function serializedLinesOf(event: RunLogEvent): SerializedLogLines | null {
  return (event as unknown as { [SERIALIZED]?: SerializedLogLines })[SERIALIZED] ?? null;
}
