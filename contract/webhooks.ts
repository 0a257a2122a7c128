import type { AlertKind, HealthSnapshot, JobAlert, JobView, RunRecord } from './model.js';

/**
 * What a webhook receives (docs/API.md "Webhooks"): one JSON POST per
 * `job:alert`, to the job's `notify.webhook` or the global `webhook_url`.
 */

/** The `event` of each alert kind, as receivers filter on it. */
export const WEBHOOK_EVENTS = {
  failure: 'job.failing',
  recovery: 'job.recovered',
  timeout: 'run.timed_out',
  config_error: 'config.error',
  storage: 'storage.problem',
  storage_recovered: 'storage.recovered',
} as const satisfies Record<AlertKind, string>;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[AlertKind];

/** The JSON body of every webhook request. */
export interface WebhookPayload {
  event: WebhookEvent;
  alert: JobAlert;
  job: JobView | null;
  run: RunRecord | null;
  health: HealthSnapshot;
  /** `<title>: <body>`, so Slack/Mattermost/Teams-style incoming webhooks show something without configuration. */
  text: string;
}

/** An absolute http(s) URL with a host (webhooks). */
export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}
