/* global document, window, fetch, performance */
/**
 * B7a's baseline, served by the bench (never shipped): fetches /api/jobs with
 * the token from the fragment and writes every job's text — name, description,
 * tags, schedule, next run, health, last outcome and its duration, 24 h stats
 * — with one innerHTML, then marks `baseline:rendered`.
 */
const token = decodeURIComponent(/^#token=([^&]+)$/.exec(window.location.hash)?.[1] ?? '');
const escape = (text) =>
  String(text).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const when = (ms) => (ms === null ? '—' : new Date(ms).toLocaleString());
const schedule = (s) =>
  s === null
    ? 'Manual only'
    : s.kind === 'cron'
      ? `cron ${s.cron}`
      : s.kind === 'every'
        ? `Every ${s.every}`
        : `Once, at ${when(s.at_ms)}`;

function card(job) {
  const def = job.definition ?? { name: job.id, description: '', tags: [], schedule: null };
  const last = job.last_run;
  const stats = job.stats_24h;
  return `<article>
<h2><a href="#/jobs/${escape(job.id)}">${escape(def.name)}</a> <span>${escape(job.health)}</span></h2>
<p>${escape(def.description ?? '')}</p>
<p>${def.tags.map((tag) => `<span>${escape(tag)}</span>`).join(' ')}</p>
<p>${escape(schedule(def.schedule))}</p>
<p>Next run ${escape(when(job.next_fire_at))}</p>
<p>Last ${last ? `${escape(last.state)} ${last.duration_ms ?? '—'} ms ${escape(when(last.finished_at))}` : 'No runs yet'}</p>
<p>24 h: ${stats.runs} runs · ${stats.succeeded} ok · ${stats.failed} failed · avg ${stats.avg_duration_ms ?? '—'} ms</p>
<button type="button">Run now</button> <button type="button">${job.enabled ? 'Disable' : 'Enable'}</button>
</article>`;
}

const response = await fetch('/api/jobs', { headers: { Authorization: `Bearer ${token}` } });
const { jobs } = await response.json();
document.getElementById('jobs').innerHTML = jobs.map(card).join('');
document.body.dataset.cards = String(jobs.length);
performance.mark('baseline:rendered');
