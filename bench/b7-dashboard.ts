import { firstRender } from './b7-first-render.js';
import { liveLog } from './b7-live-log.js';
import type { Bench } from './lib.js';

/**
 * B7: the dashboard in Debian's Chromium against a headless host, each figure
 * beside a baseline page measured in the same Chromium run: B7a first render
 * of 200 job cards, B7b a fast live log.
 */
export const b7: Bench = async () => {
  const a = await firstRender();
  const b = await liveLog();
  return {
    id: 'B7',
    title: 'the dashboard in Chromium: first render of 200 jobs (B7a), a live log at 2,000 lines/s (B7b)',
    rows: [...a.rows, ...b.rows],
    notes: [...a.notes, ...b.notes],
  };
};
