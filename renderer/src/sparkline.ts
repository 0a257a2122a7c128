import type { RunOutcomePoint } from '../../contract/model.js';
import { stateTone, type Tone } from './format.js';

/**
 * A card's sparkline: the last runs' durations as bars, oldest left, coloured
 * by outcome, drawn as one SVG path per outcome colour (so 200 cards stay a
 * few hundred elements), with a text alternative that says what the colours say.
 */

export const SPARK_WIDTH = 120;
export const SPARK_HEIGHT = 28;

export interface SparkPath {
  tone: Tone;
  d: string;
}

export function sparkPaths(points: readonly RunOutcomePoint[], slots: number): SparkPath[] {
  const max = Math.max(1, ...points.map((p) => p.duration_ms ?? 0));
  const slot = SPARK_WIDTH / slots;
  const bar = Math.max(1, slot - 1);
  const offset = (slots - points.length) * slot;
  const byTone = new Map<Tone, string>();
  points.forEach((point, i) => {
    // Runs without a duration (never started) still show as a sliver.
    const h = Math.max(2, Math.round(((point.duration_ms ?? 0) / max) * (SPARK_HEIGHT - 2)));
    const x = (offset + i * slot).toFixed(1);
    const tone = stateTone(point.state);
    byTone.set(tone, `${byTone.get(tone) ?? ''}M${x} ${SPARK_HEIGHT - h}h${bar.toFixed(1)}v${h}h-${bar.toFixed(1)}z`);
  });
  return [...byTone.entries()].map(([tone, d]) => ({ tone, d }));
}

export function sparkSummary(points: readonly RunOutcomePoint[]): string {
  const ok = points.filter((p) => p.state === 'succeeded').length;
  const failed = points.filter((p) => stateTone(p.state) === 'fail').length;
  const other = points.length - ok - failed;
  return `Last ${points.length} runs: ${ok} succeeded, ${failed} failed${other > 0 ? `, ${other} cancelled` : ''}`;
}
