import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import { LOG_LEVELS, isTerminal, type LogLevel, type LogLine, type LogStream } from '../../../contract/model.js';
import { errorText, useBridge } from '../bridge/use-bridge.js';

/** Lines per request when paging through a log (the contract's maximum). */
const REQUEST = 5_000;
/** Lines per cached page of older lines. */
const PAGE = 1_000;
/** Older pages kept once read back; the least recently shown goes first. */
const CACHED_PAGES = 8;
/** Newest lines kept for following. */
const TAIL = 2_000;
/** Search results shown at most; the search says when there are more. Also the newest lines a level filter keeps. */
export const MAX_MATCHES = 5_000;

/**
 * Consecutive lines of one run held in columns (message, time, stream, level
 * per line) rather than one object per line: `first` is the seq of the first.
 * A run's lines are numbered 1, 2, 3… without gaps.
 */
export class LogColumns {
  messages: string[] = [];
  times: number[] = [];
  streams: LogStream[] = [];
  levels: LogLevel[] = [];

  constructor(public first: number) {}

  get length(): number {
    return this.messages.length;
  }

  /** The seq the next line must have. */
  get next(): number {
    return this.first + this.messages.length;
  }

  push(line: LogLine): void {
    this.messages.push(line.message);
    this.times.push(line.ts);
    this.streams.push(line.stream);
    this.levels.push(line.level);
  }

  line(seq: number): LogLine | null {
    const i = seq - this.first;
    const message = this.messages[i];
    if (message === undefined || i < 0) return null;
    return {
      run_id: 0,
      seq,
      ts: this.times[i] ?? 0,
      stream: this.streams[i] ?? 'stdout',
      level: this.levels[i] ?? 'info',
      message,
    };
  }

  /** Keeps the newest `keep` lines. */
  keepLast(keep: number): void {
    const drop = this.length - keep;
    if (drop <= 0) return;
    this.messages = this.messages.slice(drop);
    this.times = this.times.slice(drop);
    this.streams = this.streams.slice(drop);
    this.levels = this.levels.slice(drop);
    this.first += drop;
  }
}

const atLeast = (minimum: LogLevel) => {
  const floor = LOG_LEVELS.indexOf(minimum);
  return (line: LogLine) => LOG_LEVELS.indexOf(line.level) >= floor;
};

/**
 * The run page's log. Memory stays bounded however long the log: the newest
 * TAIL lines are held for following (run:log events append to them), older
 * lines are read back from the server a page at a time when scrolled to, and a
 * few such pages are cached. A level filter and a text search are server
 * queries (the contract's log query); the filter keeps the newest MAX_MATCHES
 * lines at its level and follows the run.
 */
export const useLogsStore = defineStore('logs', () => {
  const bridge = useBridge();
  const runId = ref<number | null>(null);
  /** Lines the run has (its highest seq); 1…count exist. */
  let count = 0;
  let tail = new LogColumns(1);
  const pages = new Map<number, LogColumns>();
  const reading = new Set<number>();
  /** Bumped on every change of what is shown: what views watch. */
  const version = ref(0);
  const level = ref<LogLevel | null>(null);
  /** The lines at `level` or above (newest MAX_MATCHES), when a level is set. */
  let filtered: LogLine[] | null = null;
  /** Lines for the filter that came while it loaded; added after. */
  let filterHeld: LogLine[] | null = null;
  const loading = ref(false);
  const error = ref<string | null>(null);
  const query = ref('');
  const matches = shallowRef<LogLine[] | null>(null);
  const searching = ref(false);
  const searchError = ref<string | null>(null);
  /** Events that came while the log was opening; applied once it is open. */
  let pendingEvents: LogLine[][] | null = null;

  function visibleCount(): number {
    return filtered ? filtered.length : count;
  }

  /** Line `i` (0-based) of what is shown; null while its page is being read. */
  function visibleLine(i: number): LogLine | null {
    if (filtered) return filtered[i] ?? null;
    const seq = i + 1;
    if (seq >= tail.first) return tail.line(seq);
    const page = Math.floor(i / PAGE);
    const held = pages.get(page);
    if (!held) {
      void readPage(page);
      return null;
    }
    // Least recently used last out: the page moves to the end of the map.
    pages.delete(page);
    pages.set(page, held);
    return held.line(seq);
  }

  async function readPage(page: number): Promise<void> {
    const id = runId.value;
    if (id === null || reading.has(page)) return;
    reading.add(page);
    try {
      const { lines } = await bridge.call('runs:logs', { id, after: page * PAGE, limit: PAGE });
      if (runId.value !== id) return;
      const held = new LogColumns(page * PAGE + 1);
      for (const line of lines) if (line.seq === held.next) held.push(line);
      pages.set(page, held);
      while (pages.size > CACHED_PAGES) pages.delete(pages.keys().next().value!);
      version.value++;
    } catch (e) {
      if (runId.value === id) error.value = errorText(e);
    } finally {
      reading.delete(page);
    }
  }

  function addFiltered(lines: readonly LogLine[]): void {
    if (!filtered || !level.value) return;
    const passes = atLeast(level.value);
    for (const line of lines) if (passes(line) && line.seq > (filtered.at(-1)?.seq ?? 0)) filtered.push(line);
    if (filtered.length > MAX_MATCHES) filtered.splice(0, filtered.length - MAX_MATCHES);
  }

  /** Lines at the end of the log (events, or pages read forward). */
  function add(lines: readonly LogLine[]): void {
    const before = count;
    for (const line of lines) {
      if (line.seq <= count) continue;
      if (line.seq !== count + 1) {
        // Lines were missed (a reconnect the server could not replay): read on from where we are.
        void fetchFrom(runId.value);
        break;
      }
      tail.push(line);
      count = line.seq;
    }
    if (count === before) return;
    if (tail.length > 2 * TAIL) tail.keepLast(TAIL);
    if (filterHeld) filterHeld.push(...lines);
    else addFiltered(lines);
    version.value++;
  }

  /**
   * `run:log` is subscribed to only while a run's log is open (open() to
   * close()): the main process (IPC) or the host's event stream (HTTP) then
   * sends no log line while none is read. Lines printed before are read as
   * pages; a gap in `seq` reads on; and once the run has ended its log is read
   * on from the last line held, so lines stored while the browser's stream
   * was being reopened to follow them are never missing at the end.
   */
  let following: (() => void) | null = null;
  function follow(): void {
    following ??= bridge.subscribe(['run:log', 'run:state'], (event) => {
      if (event.name === 'run:state') {
        if (event.data.id === runId.value && isTerminal(event.data.state) && !pendingEvents)
          void fetchFrom(runId.value);
        return;
      }
      const { data } = event;
      if (data.run_id !== runId.value) return;
      if (pendingEvents) pendingEvents.push(data.lines);
      else add(data.lines);
    });
  }
  function unfollow(): void {
    following?.();
    following = null;
  }

  function setUp(): () => void {
    if (runId.value !== null) follow();
    return unfollow;
  }

  /** Pages through the run's log from its last held line to its current end. */
  async function fetchFrom(id: number | null): Promise<void> {
    if (id === null) return;
    for (;;) {
      const page = await bridge.call('runs:logs', { id, after: count, limit: REQUEST });
      if (runId.value !== id) return;
      add(page.lines);
      if (page.next_after === null || page.lines.length === 0) return;
    }
  }

  function reset(id: number | null): void {
    runId.value = id;
    count = 0;
    tail = new LogColumns(1);
    pages.clear();
    filtered = level.value ? [] : null;
    filterHeld = null;
    matches.value = null;
    query.value = '';
    version.value++;
  }

  async function open(id: number): Promise<void> {
    reset(id);
    follow();
    error.value = null;
    loading.value = true;
    pendingEvents = [];
    try {
      // Straight to the end: its last TAIL lines, then whatever came meanwhile.
      const { log_count } = await bridge.call('runs:get', { id });
      const from = Math.max(0, log_count - TAIL);
      count = from;
      tail = new LogColumns(from + 1);
      await fetchFrom(id);
      // Nothing there: the log was cut at the line cap (fewer lines stored than counted); read it from the start.
      if (runId.value === id && count === from && from > 0) {
        count = 0;
        tail = new LogColumns(1);
        await fetchFrom(id);
      }
      if (runId.value === id && level.value) await loadFiltered(id, level.value);
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
    reset(null);
    pendingEvents = null;
    unfollow();
  }

  /** The newest MAX_MATCHES lines at `minimum` or above, read from the server; new lines join as they come. */
  async function loadFiltered(id: number, minimum: LogLevel): Promise<void> {
    filtered = [];
    const held: LogLine[] = [];
    filterHeld = held;
    let after = 0;
    try {
      for (;;) {
        const page = await bridge.call('runs:logs', { id, after, limit: REQUEST, level: minimum });
        if (runId.value !== id || level.value !== minimum) return;
        addFiltered(page.lines);
        if (page.next_after === null || page.lines.length === 0) break;
        after = page.next_after;
      }
    } finally {
      if (filterHeld === held) {
        filterHeld = null;
        addFiltered(held);
        version.value++;
      }
    }
  }

  async function setLevel(next: LogLevel | null): Promise<void> {
    level.value = next;
    filtered = next === null ? null : [];
    version.value++;
    if (next !== null && runId.value !== null) {
      try {
        await loadFiltered(runId.value, next);
      } catch (e) {
        error.value = errorText(e);
      }
    }
  }

  /** Server-side search of the whole log; '' clears it. */
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

  /** What is shown as text (copy, download): `time stream level message` per line, the whole log read from the server. */
  async function asText(): Promise<string> {
    const id = runId.value;
    const lines: LogLine[] = filtered ? [...filtered] : [];
    if (!filtered && id !== null) {
      for (let after = 0; ;) {
        const page = await bridge.call('runs:logs', { id, after, limit: REQUEST });
        lines.push(...page.lines);
        if (page.next_after === null || page.lines.length === 0) break;
        after = page.next_after;
      }
    }
    return lines
      .map(
        (line) =>
          `${new Date(line.ts).toISOString()} ${line.stream.padEnd(8)} ${line.level.padEnd(5)} ${line.message}\n`,
      )
      .join('');
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
