/**
 * Whether `npm start` opens the dashboard in the default browser. Pure: the
 * caller passes the facts. Never in CI or tests, never without a desktop
 * session (a server over SSH would get a text browser, or an error), and the
 * operator can say no with `--no-open` or `JOBTRAY_NO_OPEN=1`.
 */
export interface OpenBrowserFacts {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  platform: NodeJS.Platform;
  hasDashboard: boolean;
}

export type OpenBrowserDecision = { open: true } | { open: false; reason: string };

const TRUTHY = ['1', 'true', 'yes'];

export function decideOpenBrowser(facts: OpenBrowserFacts): OpenBrowserDecision {
  if (!facts.hasDashboard) return { open: false, reason: 'the dashboard is not built' };
  if (facts.argv.includes('--no-open')) return { open: false, reason: '--no-open was given' };
  if (TRUTHY.includes((facts.env.JOBTRAY_NO_OPEN ?? '').toLowerCase()))
    return { open: false, reason: 'JOBTRAY_NO_OPEN is set' };
  if (TRUTHY.includes((facts.env.CI ?? '').toLowerCase())) return { open: false, reason: 'running in CI' };
  if (facts.platform === 'darwin' || facts.platform === 'win32') return { open: true };
  if (!facts.env.DISPLAY && !facts.env.WAYLAND_DISPLAY)
    return { open: false, reason: 'there is no desktop session (DISPLAY / WAYLAND_DISPLAY unset)' };
  return { open: true };
}
