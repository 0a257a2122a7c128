import { defineStore } from 'pinia';
import { markRaw, ref, shallowRef } from 'vue';
import { LOG_LEVELS, type LogLevel, type LogLine, type LogStream } from '../../../contract/model.js';
import { errorText, useBridge } from '../bridge/use-bridge.js';

/** Lines per log request (the contract's maximum). */
const PAGE = 5_000;
/** Search results shown at most; the search says when there are more. */
export const MAX_MATCHES = 5_000;

/**
 * One run's log, held in columns (message, time, stream, level per line)
 * rather than one object per line: a 100,000-line log stays a few plain arrays.
 * A run's lines are numbered 1, 2, 3… without gaps, so line `i` (0-based) is
 * seq `i + 1`; the arrays only grow.
 */
export class LogColumns {
  readonly messages: string[] = [];
  readonly times: number[] = [];
  readonly streams: LogStream[] = [];
  readonly levels: LogLevel[] = [];

  get length(): number {
    return this.messages.length;
  }

  /** Adds the lines that come next (seq = length + 1…); earlier ones are already held. Returns how many were added, or -1 on a gap. */
  append(lines: readonly LogLine[]): number {
    let added = 0;
    for (const line of lines) {
      if (line.seq <= this.length) continue;
      if (line.seq !== this.length + 1) return -1;
      this.messages.push(line.message);
      this.times.push(line.ts);
      this.streams.push(line.stream);
      this.levels.push(line.level);
      added++;
    }
    return added;
  }

  line(index: number): LogLine | null {
    const message = this.messages[index];
    if (message === undefined) return null;
    return {
      run_id: 0,
      seq: index + 1,
      ts: this.times[index] ?? 0,
      stream: this.streams[index] ?? 'stdout',
      level: this.levels[index] ?? 'info',
      message,
    };
  }
}

/** Lines at `minimum` level or above, as indexes into the columns. */
function indexesFrom(columns: LogColumns, minimum: LogLevel, start: number, into: number[]): void {
  const floor = LOG_LEVELS.indexOf(minimum);
  for (let i = start; i < columns.length; i++)
    if (LOG_LEVELS.indexOf(columns.levels[i] ?? 'info') >= floor) into.push(i);
}

/**
 * The run page's log: loaded in pages, then followed through `run:log` events;
 * a level filter (client-side, over what is held) and a text search (server-side,
 * the contract's log query).
 */
export const useLogsStore = defineStore('logs', () => {
  const bridge = useBridge();
  const runId = ref<number | null>(null);
  const columns = shallowRef(markRaw(new LogColumns()));
  /** Bumped on every change of the columns or the filter: what views watch. */
  const version = ref(0);
  const level = ref<LogLevel | null>(null);
  /** Indexes of the lines passing the level filter; null when there is none. */
  let filtered: number[] | null = null;
  const loading = ref(false);
  const error = ref<string | null>(null);
  const query = ref('');
  const matches = shallowRef<LogLine[] | null>(null);
  const searching = ref(false);
  const searchError = ref<string | null>(null);
  /** Events that came while pages were loading; applied once the pages are in. */
  let pendingEvents: LogLine[][] | null = null;

  function visibleCount(): number {
    return filtered ? filtered.length : columns.value.length;
  }

  function visibleLine(i: number): LogLine | null {
    const index = filtered ? filtered[i] : i;
    return index === undefined ? null : columns.value.line(index);
  }

  function add(lines: readonly LogLine[]): void {
    const before = columns.value.length;
    const added = columns.value.append(lines);
    if (added < 0) {
      // Lines were missed (a reconnect the server could not replay): fetch from where we are.
      void fetchFrom(runId.value);
      return;
    }
    if (added === 0) return;
    if (filtered && level.value) indexesFrom(columns.value, level.value, before, filtered);
    version.value++;
  }

  function setUp(): () => void {
    return bridge.subscribe(['run:log'], ({ data }) => {
      if (data.run_id !== runId.value) return;
      if (pendingEvents) pendingEvents.push(data.lines);
      else add(data.lines);
    });
  }

  /** Pages through the run's log from the last held line to its current end. */
  async function fetchFrom(id: number | null): Promise<void> {
    if (id === null) return;
    for (;;) {
      const page = await bridge.call('runs:logs', { id, after: columns.value.length, limit: PAGE });
      if (runId.value !== id) return;
      add(page.lines);
      if (page.next_after === null || page.lines.length === 0) return;
    }
  }

  async function open(id: number): Promise<void> {
    runId.value = id;
    columns.value = markRaw(new LogColumns());
    filtered = level.value ? [] : null;
    query.value = '';
    matches.value = null;
    error.value = null;
    loading.value = true;
    version.value++;
    pendingEvents = [];
    try {
      await fetchFrom(id);
    } catch (e) {
      if (runId.value === id) error.value = errorText(e);
    } finally {
      if (runId.value === id) {
        const queued = pendingEvents ?? [];
        pendingEvents = null;
        for (const lines of queued) add(lines);
        loading.value = false;
      }
    }
  }

  function close(): void {
    runId.value = null;
    columns.value = markRaw(new LogColumns());
    filtered = null;
    pendingEvents = null;
    matches.value = null;
    version.value++;
  }

  function setLevel(next: LogLevel | null): void {
    level.value = next;
    if (next === null) filtered = null;
    else {
      filtered = [];
      indexesFrom(columns.value, next, 0, filtered);
    }
    version.value++;
  }

  /** Server-side search of the whole log (also the lines not held yet); '' clears it. */
  async function search(text: string): Promise<void> {
    const id = runId.value;
    query.value = text;
    searchError.value = null;
    if (id === null || text.trim() === '') {
      matches.value = null;
      return;
    }
    searching.value = true;
    try {
      const page = await bridge.call('runs:logs', {
        id,
        q: text,
        limit: MAX_MATCHES,
        ...(level.value ? { level: level.value } : {}),
      });
      if (runId.value === id && query.value === text) matches.value = page.lines;
    } catch (e) {
      searchError.value = errorText(e);
    } finally {
      searching.value = false;
    }
  }

  /** The whole log as text (copy, download): `time stream level message` per line. */
  function asText(): string {
    const out: string[] = [];
    const count = visibleCount();
    for (let i = 0; i < count; i++) {
      const line = visibleLine(i);
      if (line)
        out.push(`${new Date(line.ts).toISOString()} ${line.stream.padEnd(8)} ${line.level.padEnd(5)} ${line.message}`);
    }
    return out.join('\n') + '\n';
  }

  return {
    runId,
    version,
    level,
    loading,
    error,
    query,
    matches,
    searching,
    searchError,
    visibleCount,
    visibleLine,
    setUp,
    open,
    close,
    setLevel,
    search,
    asText,
  };
});
