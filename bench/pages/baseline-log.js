/* global document, window, fetch, TextDecoder, URLSearchParams */
/**
 * B7b's baseline, served by the bench (never shipped): the naive live log.
 * Reads the Local API's `run:log` events for the run in the fragment
 * (`#token=…&run=…`) with fetch, and appends each event's lines to one <pre>,
 * following the end. `document.body.dataset.lines` counts the lines shown.
 */
const params = new URLSearchParams(window.location.hash.slice(1));
const token = params.get('token') ?? '';
const runId = Number(params.get('run'));
const pre = document.getElementById('log');
let shown = 0;

const response = await fetch('/api/events?events=run:log', {
  headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' },
});
const reader = response.body.getReader();
const decoder = new TextDecoder();
let pending = '';
document.body.dataset.ready = 'true';
for (;;) {
  const { done, value } = await reader.read();
  if (done) break;
  pending += decoder.decode(value, { stream: true });
  let cut;
  while ((cut = pending.indexOf('\n\n')) !== -1) {
    const block = pending.slice(0, cut);
    pending = pending.slice(cut + 2);
    const data = block.split('\n').find((line) => line.startsWith('data: '));
    if (!data) continue;
    const event = JSON.parse(data.slice(6));
    if (event.run_id !== runId) continue;
    pre.append(event.lines.map((line) => `${line.seq} ${line.stream} ${line.message}\n`).join(''));
    shown += event.lines.length;
    document.body.dataset.lines = String(shown);
    window.scrollTo(0, document.body.scrollHeight);
  }
}
