import type { HealthSnapshot, JobAlert, WebhookTestResult } from '../../contract/model.js';
import { coerceError } from '../../contract/errors.js';
import { WEBHOOK_EVENTS, isHttpUrl, type WebhookPayload } from '../../contract/webhooks.js';
import type { Engine } from '../engine/engine.js';
import type { Logger } from '../engine/logger.js';
import { appVersion } from '../engine/paths.js';

/**
 * Webhook notifications for servers, which have no desktop notifications: every
 * `job:alert` the engine emits is POSTed as JSON to the job's `notify.webhook`,
 * else to the global `webhook_url` setting. The engine decides which transitions
 * alert; this module only delivers them, off the engine's path: the alert
 * listener enqueues, deliveries run on their own with a timeout per attempt,
 * retries with backoff, a bounded queue and a concurrency limit.
 */

export interface WebhookOptions {
  /** Subscribes to `engine.events` 'job:alert'. */
  engine: Engine;
  logger: Logger;
  /** Per attempt (default 5000). */
  timeoutMs?: number;
  /** Extra attempts after the first (default 3). */
  retries?: number;
  /** First retry delay, doubled each time (default 1000). */
  backoffMs?: number;
  /** Deliveries kept while waiting for a slot or a retry; past it the oldest is dropped and logged (default 200). */
  maxQueue?: number;
  /** Deliveries in flight at once (default 4). */
  concurrency?: number;
  /** Default: the global fetch. */
  fetchImpl?: typeof fetch;
}

export interface WebhookStats {
  delivered: number;
  failed: number;
  /** Dropped from a full queue, or still pending when the notifier closed. */
  dropped: number;
}

export interface WebhookNotifier {
  /** Stops retries, aborts in-flight requests; later alerts are ignored. */
  close(): Promise<void>;
  /** Resolves when nothing is queued, waiting for a retry or in flight (tests). */
  idle(): Promise<void>;
  readonly stats: WebhookStats;
}

/** A server's Retry-After is honoured up to this; a longer wait would outlive the alert's use. */
const MAX_RETRY_AFTER_MS = 60_000;

interface Delivery {
  /** Enqueue order; the smallest is the oldest (dropped first from a full queue). */
  seq: number;
  /** The URL requested: the configured one without its userinfo (sent as Basic auth instead). */
  url: string;
  headers: Record<string, string>;
  /** The URL without credentials and query, for logs. */
  shownUrl: string;
  body: string;
  /** What the delivery is about, for logs: `job.failing for job "x"`. */
  label: string;
  /** Attempts made so far. */
  attempts: number;
}

export type AttemptOutcome =
  | { kind: 'delivered' }
  | { kind: 'permanent'; reason: string }
  | { kind: 'retry'; reason: string; retryAfterMs: number | null }
  /** Aborted by close(): nothing more to do or log. */
  | { kind: 'closed' };

/** The reason an attempt's AbortController is aborted with when its time is up (close() aborts with another). */
class AttemptTimeout extends Error {}

export function startWebhooks(options: WebhookOptions): WebhookNotifier {
  return new Notifier(options);
}

class Notifier implements WebhookNotifier {
  readonly stats: WebhookStats = { delivered: 0, failed: 0, dropped: 0 };
  private readonly engine: Engine;
  private readonly logger: Logger;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly maxQueue: number;
  private readonly concurrency: number;
  private readonly fetchImpl: typeof fetch;
  private readonly unsubscribe: () => void;
  /** Waiting for a slot, oldest first. */
  private readonly pending: Delivery[] = [];
  /** Waiting for their retry delay (holding no slot). */
  private readonly waiting = new Map<Delivery, NodeJS.Timeout>();
  private readonly inFlight = new Map<Delivery, { controller: AbortController; done: Promise<void> }>();
  /** Alerts received whose payload is not built yet (see onAlert). */
  private preparing = 0;
  private idleWaiters: (() => void)[] = [];
  private nextSeq = 0;
  private closed = false;

  constructor(options: WebhookOptions) {
    this.engine = options.engine;
    this.logger = options.logger;
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.retries = options.retries ?? 3;
    this.backoffMs = options.backoffMs ?? 1_000;
    this.maxQueue = Math.max(1, options.maxQueue ?? 200);
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.fetchImpl = options.fetchImpl ?? fetch;
    this.unsubscribe = this.engine.events.on('job:alert', (alert) => this.onAlert(alert));
  }

  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    for (const timer of this.waiting.values()) clearTimeout(timer);
    const abandoned = this.pending.length + this.waiting.size + this.inFlight.size;
    this.stats.dropped += abandoned;
    this.pending.length = 0;
    this.waiting.clear();
    const flights = [...this.inFlight.values()];
    for (const flight of flights) flight.controller.abort(new Error('webhook notifier closed'));
    await Promise.all(flights.map((flight) => flight.done));
    if (abandoned > 0) this.logger.warn(`webhooks: ${abandoned} delivery(ies) abandoned on close`);
    this.settleIdle();
  }

  // ───────────────────────────── intake ─────────────────────────────

  /**
   * Only enqueues; never throws into the engine. The engine emits `job:alert`
   * in the middle of a state change, before its health snapshot catches up, so
   * the payload is built in a microtask: after the engine's current synchronous
   * step, with the job, run and health the alert is about.
   */
  private onAlert(alert: JobAlert): void {
    if (this.closed) return;
    this.preparing++;
    queueMicrotask(() => {
      this.preparing--;
      try {
        const delivery = this.prepare(alert);
        if (delivery) this.enqueue(delivery);
      } catch (error) {
        this.logger.error(`webhooks: alert "${alert.title}" not sent: ${coerceError(error).message}`);
      }
      this.pump();
    });
  }

  private prepare(alert: JobAlert): Delivery | null {
    if (this.closed) return null;
    // Muted by the operator: alerts still happen (events, tray), they are just not sent anywhere.
    if (this.lookUp(() => this.engine.getSettings().notifications_muted)) return null;
    const job = alert.job_id === null ? null : this.lookUp(() => this.engine.getJob(alert.job_id as string));
    const url = job?.definition?.notify.webhook ?? this.lookUp(() => this.engine.getSettings().webhook_url);
    if (!url) return null;
    const event = WEBHOOK_EVENTS[alert.kind];
    const label = `${event}${alert.job_id === null ? '' : ` for job "${alert.job_id}"`}`;
    const shownUrl = redactUrl(url);
    if (!isHttpUrl(url)) {
      this.stats.failed++;
      this.logger.warn(`webhook ${label} not sent: ${shownUrl} is not an http:// or https:// URL`);
      return null;
    }
    const payload: WebhookPayload = {
      event,
      alert,
      job,
      run: alert.run_id === null ? null : this.lookUp(() => this.engine.getRun(alert.run_id as number)),
      health: this.engine.health(),
      text: `${alert.title}: ${alert.body}`,
    };
    return makeDelivery(url, JSON.stringify(payload), label, this.nextSeq++);
  }

  /** A job may be gone by now (removed from the jobs file), or the engine closing: the payload then goes without it. */
  private lookUp<T>(read: () => T): T | null {
    try {
      return read();
    } catch {
      return null;
    }
  }

  /** Invariant: pending + waiting never exceeds maxQueue; the oldest of them makes room. */
  private enqueue(delivery: Delivery): void {
    while (this.pending.length + this.waiting.size >= this.maxQueue) this.dropOldest();
    this.pending.push(delivery);
  }

  private dropOldest(): void {
    const oldest = [...this.pending, ...this.waiting.keys()].reduce((a, b) => (b.seq < a.seq ? b : a));
    const index = this.pending.indexOf(oldest);
    if (index >= 0) this.pending.splice(index, 1);
    clearTimeout(this.waiting.get(oldest));
    this.waiting.delete(oldest);
    this.stats.dropped++;
    this.logger.warn(
      `webhook ${oldest.label} to ${oldest.shownUrl} dropped: the queue is full (${this.maxQueue} waiting, see maxQueue)`,
    );
  }

  // ───────────────────────────── delivery ─────────────────────────────

  private pump(): void {
    while (!this.closed && this.inFlight.size < this.concurrency) {
      const next = this.pending.shift();
      if (!next) break;
      this.start(next);
    }
    this.settleIdle();
  }

  private start(delivery: Delivery): void {
    const controller = new AbortController();
    const done = this.attempt(delivery, controller)
      .then((outcome) => {
        this.inFlight.delete(delivery);
        this.afterAttempt(delivery, outcome);
        this.pump();
      })
      .catch((error) =>
        this.logger.error(`webhook ${delivery.label} to ${delivery.shownUrl}: ${coerceError(error).message}`),
      );
    this.inFlight.set(delivery, { controller, done });
  }

  /** One POST; never rejects. */
  private attempt(delivery: Delivery, controller: AbortController): Promise<AttemptOutcome> {
    delivery.attempts++;
    return postOnce(this.fetchImpl, delivery, controller, this.timeoutMs);
  }

  private afterAttempt(delivery: Delivery, outcome: AttemptOutcome): void {
    if (outcome.kind === 'closed' || this.closed) return;
    if (outcome.kind === 'delivered') {
      this.stats.delivered++;
      return;
    }
    const attemptsText = `${delivery.attempts} attempt${delivery.attempts === 1 ? '' : 's'}`;
    if (outcome.kind === 'permanent' || delivery.attempts > this.retries) {
      this.stats.failed++;
      this.logger.warn(
        `webhook ${delivery.label} to ${delivery.shownUrl} failed after ${attemptsText}: ${outcome.reason}`,
      );
      return;
    }
    const delay = outcome.retryAfterMs ?? this.backoffMs * 2 ** (delivery.attempts - 1);
    this.logger.info(
      `webhook ${delivery.label} to ${delivery.shownUrl}: attempt ${delivery.attempts} failed (${outcome.reason}); retrying in ${delay} ms`,
    );
    this.waitToRetry(delivery, delay);
  }

  private waitToRetry(delivery: Delivery, delayMs: number): void {
    const timer = setTimeout(() => {
      this.waiting.delete(delivery);
      this.pending.push(delivery);
      this.pump();
    }, delayMs);
    // A webhook waiting for its retry does not by itself keep the process alive.
    timer.unref();
    this.waiting.set(delivery, timer);
  }

  private isIdle(): boolean {
    return this.preparing === 0 && this.pending.length === 0 && this.waiting.size === 0 && this.inFlight.size === 0;
  }

  private settleIdle(): void {
    if (!this.isIdle() && !this.closed) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

let userAgent: string | null = null;

/** A delivery of `body` to `url` (an http(s) URL), not attempted yet. */
function makeDelivery(url: string, body: string, label: string, seq: number): Delivery {
  const target = requestTarget(url);
  userAgent ??= `Jobtray/${appVersion()}`;
  return {
    seq,
    url: target.url,
    headers: { 'content-type': 'application/json', 'user-agent': userAgent, ...target.headers },
    shownUrl: redactUrl(url),
    body,
    label,
    attempts: 0,
  };
}

/**
 * One POST of a delivery; never rejects. Aborting `controller` from outside
 * (close()) gives `closed`; running out of `timeoutMs` gives `retry`.
 */
async function postOnce(
  fetchImpl: typeof fetch,
  delivery: Delivery,
  controller: AbortController,
  timeoutMs: number,
): Promise<AttemptOutcome> {
  const timer = setTimeout(() => controller.abort(new AttemptTimeout()), timeoutMs);
  try {
    const response = await fetchImpl(delivery.url, {
      method: 'POST',
      headers: delivery.headers,
      body: delivery.body,
      // A redirect is a misconfigured URL, and following one would re-send the payload somewhere unchecked.
      redirect: 'manual',
      signal: controller.signal,
    });
    // The body is never needed; cancelling it frees the connection even when the server keeps streaming.
    await response.body?.cancel().catch(() => {});
    return classifyResponse(response);
  } catch (error) {
    if (controller.signal.aborted && !(controller.signal.reason instanceof AttemptTimeout)) return { kind: 'closed' };
    if (controller.signal.aborted)
      return { kind: 'retry', reason: `no response within ${timeoutMs} ms`, retryAfterMs: null };
    // Error texts may quote the URL requested; the log shows the redacted one.
    return {
      kind: 'retry',
      reason: networkReason(error).replaceAll(delivery.url, delivery.shownUrl),
      retryAfterMs: null,
    };
  } finally {
    clearTimeout(timer);
  }
}

/** The body of a test webhook: the usual `event` and `text`, no alert. */
export interface WebhookTestPayload {
  event: 'test';
  text: string;
  health: HealthSnapshot;
}

/**
 * The settings screen's "send test": one POST to `url` now, no retries, with
 * the same headers, credentials handling and redirect rule as real alerts. A
 * delivery that fails is a result (what the server said, or why it could not be
 * reached), never a thrown error.
 */
export async function sendTestWebhook(
  url: string,
  health: HealthSnapshot,
  options: { timeoutMs?: number; fetchImpl?: typeof fetch } = {},
): Promise<WebhookTestResult> {
  const shownUrl = redactUrl(url);
  if (!isHttpUrl(url))
    return { delivered: false, url: shownUrl, status: null, message: `${shownUrl} is not an http:// or https:// URL` };
  const payload: WebhookTestPayload = {
    event: 'test',
    text: 'Jobtray test notification: alerts will reach this webhook.',
    health,
  };
  const delivery = makeDelivery(url, JSON.stringify(payload), 'test', 0);
  let status: number | null = null;
  const recordStatus: typeof fetch = async (input, init) => {
    const response = await (options.fetchImpl ?? fetch)(input, init);
    status = response.status;
    return response;
  };
  const outcome = await postOnce(recordStatus, delivery, new AbortController(), options.timeoutMs ?? 5_000);
  if (outcome.kind === 'delivered')
    return { delivered: true, url: shownUrl, status, message: `delivered to ${shownUrl} (HTTP ${status ?? '?'})` };
  const reason = outcome.kind === 'closed' ? 'aborted' : outcome.reason;
  return { delivered: false, url: shownUrl, status, message: `not delivered to ${shownUrl}: ${reason}` };
}

/**
 * 2xx delivered; 408 and 429 (the server asks to come back) and 5xx retried;
 * any other status, redirects included, would fail the same way again.
 */
export function classifyResponse(response: Pick<Response, 'status' | 'statusText' | 'headers'>): AttemptOutcome {
  const { status } = response;
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  const reason = `HTTP ${status}${response.statusText ? ` ${response.statusText}` : ''}`;
  if (status >= 300 && status < 400)
    return { kind: 'permanent', reason: `${reason} (redirects are not followed; use the final URL)` };
  if (status === 408 || status === 429 || status >= 500) {
    return { kind: 'retry', reason, retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), Date.now()) };
  }
  return { kind: 'permanent', reason };
}

/**
 * Retry-After as delay-seconds or an HTTP date (`Wed, 15 Jan 2025 12:00:05 GMT`),
 * capped at MAX_RETRY_AFTER_MS; null when absent or unreadable. Only GMT dates
 * are parsed: Date.parse alone accepts nearly anything (`-3` is a date in 2001).
 */
export function parseRetryAfter(value: string | null, now: number): number | null {
  const text = value?.trim() ?? '';
  let ms: number;
  if (/^\d+$/.test(text)) ms = Number(text) * 1_000;
  else if (/ GMT$/.test(text)) ms = Date.parse(text) - now;
  else return null;
  if (Number.isNaN(ms)) return null;
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

/** fetch rejects with "fetch failed"; the useful part (ECONNREFUSED, ECONNRESET, ENOTFOUND) is in its cause. */
function networkReason(error: unknown): string {
  const err = coerceError(error);
  const cause = err.cause as (Error & { code?: string }) | undefined;
  if (cause?.code) return `${cause.message || err.message} (${cause.code})`;
  return cause?.message ? `${err.message}: ${cause.message}` : err.message;
}

/** For logs: credentials (userinfo) and the query string, where tokens usually sit, are removed. */
export function redactUrl(text: string): string {
  try {
    const url = new URL(text);
    // Chat webhooks (Slack, Mattermost, Teams) carry their secret in the path: only its first segment is shown.
    const segments = url.pathname.split('/').filter(Boolean);
    const shown = segments.length <= 1 ? url.pathname : `/${segments[0]}/…`;
    return `${url.protocol}//${url.host}${shown}`;
  } catch {
    return '(unparseable URL)';
  }
}

/**
 * fetch refuses URLs with credentials; `https://user:pass@host/hook` means
 * Basic auth, as in curl and browsers, so the userinfo becomes that header.
 */
function requestTarget(text: string): { url: string; headers: Record<string, string> } {
  const url = new URL(text);
  if (!url.username && !url.password) return { url: text, headers: {} };
  const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  url.username = '';
  url.password = '';
  return { url: url.toString(), headers: { authorization: `Basic ${Buffer.from(credentials).toString('base64')}` } };
}
