import type { RunRecord } from '../../contract/model.js';
import { progressText, runStateWord } from '../../contract/format.js';
import type { OutStream } from './format.js';

const BAR_CELLS = 20;
const ERASE_LINE = '\x1b[K';

/** `[########............]  40% Importing orders` (state instead of a step until one is reported). */
export function renderBar(run: Pick<RunRecord, 'progress' | 'step' | 'state'>): string {
  const pct = Math.max(0, Math.min(100, Math.round(run.progress ?? 0)));
  const filled = Math.round((pct / 100) * BAR_CELLS);
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_CELLS - filled)}] ${String(pct).padStart(3)}% ${run.step ?? runStateWord(run.state)}`;
}

/**
 * Shows a waited-for run's progress. On a terminal one bar is redrawn in place
 * (`\r`), and other lines are printed above it; anywhere else (a pipe, a CI
 * log) each change is one line, so the output stays readable as a log.
 */
export class ProgressView {
  private shown: string | null = null;
  private lastText: string | null = null;

  constructor(private readonly out: OutStream) {}

  /** The run's progress, step or state changed. */
  update(run: Pick<RunRecord, 'progress' | 'step' | 'state'>): void {
    if (this.out.isTTY) {
      const bar = this.fit(renderBar(run));
      if (bar === this.shown) return;
      this.shown = bar;
      this.out.write(`\r${bar}${ERASE_LINE}`);
      return;
    }
    const text = progressText(run);
    if (text === this.lastText) return;
    this.lastText = text;
    this.out.write(`${text}\n`);
  }

  /** A line of its own (a state change, a retry notice), above the bar. */
  line(text: string): void {
    if (this.out.isTTY && this.shown !== null) {
      this.out.write(`\r${ERASE_LINE}${text}\n${this.shown}`);
      return;
    }
    this.out.write(`${text}\n`);
  }

  /** Removes the bar, so what follows starts on a clean line. */
  end(): void {
    if (this.out.isTTY && this.shown !== null) this.out.write(`\r${ERASE_LINE}`);
    this.shown = null;
    this.lastText = null;
  }

  /** Keeps the bar on one terminal line, so `\r` redraws it instead of scrolling. */
  private fit(text: string): string {
    const width = this.out.columns ?? 80;
    return text.length < width ? text : `${text.slice(0, Math.max(0, width - 2))}…`;
  }
}
