/**
 * Where the window should go: a deep link (`jobtray://run/<id>`, from another
 * app, a webhook message or a second launch), a notification's click, a tray
 * item. Pure: parsing and the dashboard's hash route of each target.
 */

export const DEEP_LINK_SCHEME = 'jobtray';

export type WindowTarget =
  | { kind: 'dashboard' }
  | { kind: 'run'; runId: number }
  | { kind: 'job'; jobId: string }
  /** The job's page with its run form open (a job with params, from the tray). */
  | { kind: 'run-form'; jobId: string };

const JOB_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** `jobtray://run/42` → run 42; `jobtray://job/<id>`; anything else (another scheme, a bad id) → null. */
export function parseDeepLink(url: string): WindowTarget | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== `${DEEP_LINK_SCHEME}:`) return null;
  // `jobtray://run/42`: the kind is the URL's host, the id its path.
  const id = parsed.pathname.replace(/^\/+|\/+$/g, '');
  if (parsed.host === 'run' && /^[1-9][0-9]{0,15}$/.test(id) && Number.isSafeInteger(Number(id)))
    return { kind: 'run', runId: Number(id) };
  if (parsed.host === 'job' && JOB_ID.test(id)) return { kind: 'job', jobId: id };
  if (parsed.host === 'dashboard' && id === '') return { kind: 'dashboard' };
  return null;
}

/** The first deep link among a launch's arguments (Windows and Linux pass it as one; macOS sends `open-url`). */
export function deepLinkInArgv(argv: readonly string[]): WindowTarget | null {
  for (const arg of argv) {
    if (!arg.startsWith(`${DEEP_LINK_SCHEME}:`)) continue;
    const target = parseDeepLink(arg);
    if (target) return target;
  }
  return null;
}

/** The dashboard's hash route of a target (its router uses hash history). */
export function dashboardHash(target: WindowTarget): string {
  switch (target.kind) {
    case 'dashboard':
      return '#/';
    case 'run':
      return `#/runs/${target.runId}`;
    case 'job':
      return `#/jobs/${encodeURIComponent(target.jobId)}`;
    case 'run-form':
      return `#/jobs/${encodeURIComponent(target.jobId)}?run=1`;
  }
}
