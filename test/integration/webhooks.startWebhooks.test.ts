import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { EventEmitter, once } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Settings } from '../../contract/model.js';
import type { Logger } from '../../main/engine/logger.js';
import type { WebhookPayload } from '../../contract/webhooks.js';
import { startWebhooks, type WebhookNotifier, type WebhookOptions } from '../../main/notify/webhooks.js';
import { makeDataDir, makeTestEngine, waitForRun } from '../helpers/engine.js';
import { track } from '../helpers/open-handles.js';

// ───────────────────────────── helpers ─────────────────────────────

interface Received {
  /** Path and query, as the receiver saw them. */
  url: string;
  headers: http.IncomingHttpHeaders;
  payload: WebhookPayload;
  at: number;
}

/** Answers one request; `index` counts from 0. A reply that never ends the response makes the receiver hang. */
type Reply = (res: http.ServerResponse, index: number) => void;

interface Receiver {
  url: string;
  requests: Received[];
  /** Resolves once `count` requests have arrived. */
  received(count: number): Promise<void>;
  close(): Promise<void>;
}

const answer =
  (status: number, headers: Record<string, string> = {}): Reply =>
  (res) =>
    res.writeHead(status, headers).end();

/** A real HTTP receiver on 127.0.0.1, registered with the leak check. */
async function startReceiver(reply: Reply = answer(204)): Promise<Receiver> {
  const requests: Received[] = [];
  const arrivals = new EventEmitter();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const index = requests.length;
      requests.push({
        url: req.url ?? '',
        headers: req.headers,
        payload: JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookPayload,
        at: Date.now(),
      });
      arrivals.emit('request');
      reply(res, index);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  let open = true;
  const close = async () => {
    if (!open) return;
    open = false;
    // Hanging requests and keep-alive sockets would hold close() forever.
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  track({ name: `webhook receiver :${port}`, isOpen: () => open, close });
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    received: async (count) => {
      while (requests.length < count) await once(arrivals, 'request');
    },
    close,
  };
}

/** A port nothing listens on: bound, read, released. */
async function refusedPort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function captureLogger(): { logger: Logger; lines: { level: string; text: string }[] } {
  const lines: { level: string; text: string }[] = [];
  const at =
    (level: string) =>
    (...args: unknown[]) =>
      lines.push({ level, text: args.map(String).join(' ') });
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

/** startWebhooks, registered with the leak check. */
function startTracked(options: WebhookOptions): WebhookNotifier {
  const notifier = startWebhooks(options);
  let open = true;
  const close = notifier.close.bind(notifier);
  notifier.close = async () => {
    open = false;
    await close();
  };
  track({ name: 'webhook notifier', isOpen: () => open, close: () => notifier.close() });
  return notifier;
}

/**
 * An engine with `toggle` (fails while `<dataDir>/broken` exists), `slow`
 * (times out) and `quick` jobs; `webhook` is set on each when given.
 */
async function alertingEngine(opts: { webhook?: string; settings?: Partial<Settings> } = {}) {
  const dataDir = makeDataDir();
  const flag = path.join(dataDir, 'broken');
  const notify = opts.webhook ? `, notify: { webhook: ${JSON.stringify(opts.webhook)} }` : '';
  const { engine } = await makeTestEngine({
    dataDir,
    settings: opts.settings,
    files: {
      'toggle.mjs': `import fs from 'node:fs'; export default async () => { if (fs.existsSync(${JSON.stringify(flag)})) throw new Error('the marketplace said no'); return 'fine'; };`,
      'slow.mjs': `export default ({ signal }) => new Promise((resolve, reject) => { const t = setTimeout(resolve, 10000); signal.addEventListener('abort', () => { clearTimeout(t); reject(new Error('stopped')); }); });`,
      'quick.mjs': 'export default async () => 1;',
    },
    jobs: `
jobs:
  - { id: toggle, script: toggle.mjs${notify} }
  - { id: slow, script: slow.mjs, timeout: 300ms${notify} }
  - { id: quick, script: quick.mjs${notify} }
`,
  });
  const run = async (jobId: string) => waitForRun(engine, engine.trigger(jobId, { actor: 'ui' }).id);
  return {
    engine,
    run,
    /** Makes `toggle` fail (one failure alert). */
    fail: async () => {
      fs.writeFileSync(flag, '');
      const alert = engine.events.waitFor('job:alert', (a) => a.kind === 'failure');
      const record = await run('toggle');
      await alert;
      return record;
    },
    /** Makes `toggle` succeed again (one recovery alert after a failure). */
    recover: async () => {
      fs.rmSync(flag, { force: true });
      const alert = engine.events.waitFor('job:alert', (a) => a.kind === 'recovery');
      const record = await run('toggle');
      await alert;
      return record;
    },
  };
}

const events = (rx: Receiver) => rx.requests.map((r) => r.payload.event);

// ───────────────────────────── alerts become POSTs ─────────────────────────────

describe('startWebhooks: what is sent where', () => {
  it('posts job.failing with the job, the failed run and the health, then job.recovered', async () => {
    const rx = await startReceiver();
    const hookUrl = new URL(rx.url);
    hookUrl.username = 'ops';
    hookUrl.password = 's3cret';
    hookUrl.pathname = '/hooks/toggle';
    hookUrl.search = '?channel=ops';
    const { engine, fail, recover } = await alertingEngine({ webhook: hookUrl.toString() });
    const { logger } = captureLogger();
    const hooks = startTracked({ engine, logger, backoffMs: 20 });

    const failed = await fail();
    await hooks.idle();
    expect(rx.requests).toHaveLength(1);
    const [first] = rx.requests;
    expect(first!.url).toBe('/hooks/toggle?channel=ops');
    expect(first!.headers['content-type']).toBe('application/json');
    expect(first!.headers['user-agent']).toMatch(/^Jobtray\/\d+\.\d+\.\d+/);
    // userinfo in the configured URL is sent as Basic auth (fetch refuses it in the URL).
    expect(first!.headers.authorization).toBe(`Basic ${Buffer.from('ops:s3cret').toString('base64')}`);
    const payload = first!.payload;
    expect(payload.event).toBe('job.failing');
    expect(payload.alert).toMatchObject({ kind: 'failure', job_id: 'toggle', run_id: failed.id });
    expect(payload.job).toMatchObject({ id: 'toggle', health: 'failing' });
    expect(payload.run).toMatchObject({ id: failed.id, state: 'failed' });
    expect(payload.run?.error).toContain('the marketplace said no');
    expect(payload.health).toMatchObject({ overall: 'failing', jobs: { toggle: 'failing' } });
    expect(payload.text).toBe(`${payload.alert.title}: ${payload.alert.body}`);

    const recovered = await recover();
    await hooks.idle();
    expect(events(rx)).toEqual(['job.failing', 'job.recovered']);
    expect(rx.requests[1]!.payload).toMatchObject({
      alert: { kind: 'recovery' },
      run: { id: recovered.id, state: 'succeeded' },
      health: { jobs: { toggle: 'ok' } },
    });
    expect(hooks.stats).toEqual({ delivered: 2, failed: 0, dropped: 0 });

    await hooks.close();
    await engine.close();
    await rx.close();
  });

  it('posts run.timed_out for a run stopped by its timeout', async () => {
    const rx = await startReceiver();
    const { engine, run } = await alertingEngine({ webhook: rx.url });
    const hooks = startTracked({ engine, logger: captureLogger().logger });

    const timedOut = await run('slow');
    expect(timedOut.state).toBe('timed_out');
    await hooks.idle();
    // The timeout alert, and the job failing because of it (concurrent deliveries: any order).
    expect(events(rx).sort()).toEqual(['job.failing', 'run.timed_out']);
    const timeout = rx.requests.find((r) => r.payload.event === 'run.timed_out')!.payload;
    expect(timeout).toMatchObject({
      alert: { kind: 'timeout', job_id: 'slow', run_id: timedOut.id },
      job: { id: 'slow' },
      run: { id: timedOut.id, state: 'timed_out' },
    });

    await hooks.close();
    await engine.close();
    await rx.close();
  });

  it('posts config.error to the global URL when the jobs file breaks', async () => {
    const global = await startReceiver();
    const perJob = await startReceiver();
    const { engine } = await makeTestEngine({
      settings: { webhook_url: `${global.url}/global` },
      files: { 'quick.mjs': 'export default async () => 1;' },
      jobs: `jobs:\n  - { id: quick, script: quick.mjs, notify: { webhook: "${perJob.url}" } }\n`,
    });
    const hooks = startTracked({ engine, logger: captureLogger().logger });

    fs.writeFileSync(engine.jobsFile, 'jobs:\n  - { id: quick, script: quick.mjs, schedule: { every: soon } }\n');
    await engine.reload('ui');
    await hooks.idle();
    expect(perJob.requests).toHaveLength(0);
    expect(global.requests).toHaveLength(1);
    const payload = global.requests[0]!.payload;
    expect(global.requests[0]!.url).toBe('/global');
    expect(payload).toMatchObject({
      event: 'config.error',
      alert: { kind: 'config_error', job_id: null, run_id: null },
      job: null,
      run: null,
    });
    expect(payload.health.jobs.quick).toBe('invalid');
    expect(payload.text).toMatch(/^jobs\.yaml has \d+ errors?: /);

    await hooks.close();
    await engine.close();
    await global.close();
    await perJob.close();
  });

  it("prefers the job's webhook over the global one, and uses the global one for jobs without", async () => {
    const global = await startReceiver();
    const perJob = await startReceiver();
    const { engine, fail } = await alertingEngine({ webhook: perJob.url, settings: { webhook_url: global.url } });
    const hooks = startTracked({ engine, logger: captureLogger().logger });
    await fail();
    await hooks.idle();
    expect(events(perJob)).toEqual(['job.failing']);
    expect(global.requests).toHaveLength(0);
    await hooks.close();
    await engine.close();

    const fallback = await alertingEngine({ settings: { webhook_url: global.url } });
    const fallbackHooks = startTracked({ engine: fallback.engine, logger: captureLogger().logger });
    await fallback.fail();
    await fallbackHooks.idle();
    expect(events(global)).toEqual(['job.failing']);
    await fallbackHooks.close();
    await fallback.engine.close();
    await global.close();
    await perJob.close();
  });

  it('sends nothing when neither the job nor the settings name a URL', async () => {
    const { engine, fail } = await alertingEngine();
    const { logger, lines } = captureLogger();
    const hooks = startTracked({ engine, logger });
    let fetched = 0;
    const counting = startTracked({
      engine,
      logger,
      fetchImpl: async () => {
        fetched++;
        return new Response(null, { status: 204 });
      },
    });
    await fail();
    await hooks.idle();
    await counting.idle();
    expect(fetched).toBe(0);
    expect(hooks.stats).toEqual({ delivered: 0, failed: 0, dropped: 0 });
    expect(lines).toEqual([]);
    await counting.close();
    await hooks.close();
    await engine.close();
  });
});

// ───────────────────────────── delivery ─────────────────────────────

describe('startWebhooks: delivery, retries and failures', () => {
  it('retries 500s with backoff and delivers on the third attempt', async () => {
    const rx = await startReceiver((res, i) => answer(i < 2 ? 500 : 200)(res, i));
    const { engine, fail } = await alertingEngine({ webhook: rx.url });
    const { logger, lines } = captureLogger();
    const hooks = startTracked({ engine, logger, backoffMs: 20 });
    await fail();
    await hooks.idle();
    expect(rx.requests).toHaveLength(3);
    // The same alert each time.
    expect(new Set(rx.requests.map((r) => JSON.stringify(r.payload))).size).toBe(1);
    expect(hooks.stats).toEqual({ delivered: 1, failed: 0, dropped: 0 });
    expect(lines.filter((l) => l.level === 'info').map((l) => l.text)).toEqual([
      expect.stringContaining('attempt 1 failed (HTTP 500 Internal Server Error); retrying in 20 ms'),
      expect.stringContaining('attempt 2 failed (HTTP 500 Internal Server Error); retrying in 40 ms'),
    ]);
    await hooks.close();
    await engine.close();
    await rx.close();
  });

  it("waits as long as a 429's Retry-After asks", async () => {
    const rx = await startReceiver((res, i) => (i === 0 ? answer(429, { 'retry-after': '1' }) : answer(200))(res, i));
    const { engine, fail } = await alertingEngine({ webhook: rx.url });
    const hooks = startTracked({ engine, logger: captureLogger().logger, backoffMs: 20 });
    await fail();
    await hooks.idle();
    expect(rx.requests).toHaveLength(2);
    const waited = rx.requests[1]!.at - rx.requests[0]!.at;
    expect(waited).toBeGreaterThanOrEqual(950);
    expect(waited).toBeLessThan(10_000);
    expect(hooks.stats.delivered).toBe(1);
    await hooks.close();
    await engine.close();
    await rx.close();
  });

  it('does not retry a 400, nor follow a redirect', async () => {
    for (const reply of [answer(400), answer(302, { location: '/elsewhere' })]) {
      const rx = await startReceiver(reply);
      const { engine, fail } = await alertingEngine({ webhook: `${rx.url}/hook` });
      const { logger, lines } = captureLogger();
      const hooks = startTracked({ engine, logger, backoffMs: 20 });
      await fail();
      await hooks.idle();
      expect(rx.requests.map((r) => r.url)).toEqual(['/hook']);
      expect(hooks.stats).toEqual({ delivered: 0, failed: 1, dropped: 0 });
      expect(lines.filter((l) => l.level === 'warn').map((l) => l.text)).toEqual([
        expect.stringMatching(
          new RegExp(`job.failing for job "toggle" to ${rx.url}/hook failed after 1 attempt: HTTP (400|302)`),
        ),
      ]);
      await hooks.close();
      await engine.close();
      await rx.close();
    }
  });

  it('times out each attempt against a receiver that never answers, gives up, and the engine keeps running jobs', async () => {
    const rx = await startReceiver(() => {});
    const { engine, fail, run } = await alertingEngine({ webhook: rx.url });
    const { logger, lines } = captureLogger();
    const hooks = startTracked({ engine, logger, timeoutMs: 200, retries: 2, backoffMs: 20 });
    await fail();
    await rx.received(1);
    // The delivery hangs; another run starts and completes meanwhile.
    expect((await run('quick')).state).toBe('succeeded');
    await hooks.idle();
    expect(rx.requests).toHaveLength(3);
    expect(hooks.stats).toEqual({ delivered: 0, failed: 1, dropped: 0 });
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.text)).toEqual([
      `webhook job.failing for job "toggle" to ${rx.url}/ failed after 3 attempts: no response within 200 ms`,
    ]);
    await hooks.close();
    await engine.close();
    await rx.close();
  });

  it('retries a refused connection, then fails, logging the URL without credentials or query', async () => {
    const port = await refusedPort();
    const { engine, fail } = await alertingEngine({ webhook: `http://ops:s3cret@127.0.0.1:${port}/hook?token=abc123` });
    const { logger, lines } = captureLogger();
    const hooks = startTracked({ engine, logger, retries: 2, backoffMs: 20 });
    await fail();
    await hooks.idle();
    expect(hooks.stats).toEqual({ delivered: 0, failed: 1, dropped: 0 });
    const warnings = lines.filter((l) => l.level === 'warn').map((l) => l.text);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`to http://127.0.0.1:${port}/hook failed after 3 attempts`);
    expect(warnings[0]).toContain('ECONNREFUSED');
    for (const { text } of lines) {
      expect(text).not.toMatch(/s3cret|ops:|token|abc123/);
    }
    await hooks.close();
    await engine.close();
  });
});

// ───────────────────────────── the engine is never held up ─────────────────────────────

describe('startWebhooks: engine and shutdown', () => {
  it('keeps the engine running quick runs while deliveries hang, and close() abandons them promptly', async () => {
    const rx = await startReceiver(() => {});
    const { engine, fail, recover, run } = await alertingEngine({ webhook: rx.url });
    const hooks = startTracked({ engine, logger: captureLogger().logger, timeoutMs: 60_000, concurrency: 4 });
    // Six alerts: four hang in flight, two wait for a slot.
    for (let i = 0; i < 3; i++) {
      await fail();
      await recover();
    }
    await rx.received(4);

    const started = Date.now();
    // One after another: `quick` skips overlapping runs.
    const states: string[] = [];
    for (let i = 0; i < 20; i++) states.push((await run('quick')).state);
    expect(states).toEqual(Array(20).fill('succeeded'));
    expect(Date.now() - started).toBeLessThan(20_000);

    const closing = Date.now();
    await hooks.close();
    expect(Date.now() - closing).toBeLessThan(1_000);
    expect(hooks.stats).toEqual({ delivered: 0, failed: 0, dropped: 6 });
    await hooks.idle();

    // After close, alerts are ignored.
    await fail();
    expect(rx.requests).toHaveLength(4);
    expect(hooks.stats.dropped).toBe(6);
    await engine.close();
    await rx.close();
  });

  it('close() clears a waiting retry at once', async () => {
    const rx = await startReceiver(answer(503));
    const { engine, fail } = await alertingEngine({ webhook: rx.url });
    const hooks = startTracked({ engine, logger: captureLogger().logger, backoffMs: 60_000 });
    await fail();
    await rx.received(1);
    const idle = hooks.idle();
    const closing = Date.now();
    await hooks.close();
    await idle;
    expect(Date.now() - closing).toBeLessThan(1_000);
    expect(rx.requests).toHaveLength(1);
    expect(hooks.stats).toEqual({ delivered: 0, failed: 0, dropped: 1 });
    await engine.close();
    await rx.close();
  });

  it('drops the oldest delivery when the queue is full', async () => {
    const rx = await startReceiver(() => {});
    const { engine, fail, recover } = await alertingEngine({ webhook: rx.url });
    const { logger, lines } = captureLogger();
    const hooks = startTracked({ engine, logger, timeoutMs: 60_000, concurrency: 1, maxQueue: 1 });
    await fail(); // in flight, hanging
    await rx.received(1);
    await recover(); // waits for the slot
    await fail(); // the queue is full: the recovery is dropped
    expect(hooks.stats.dropped).toBe(1);
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.text)).toEqual([
      `webhook job.recovered for job "toggle" to ${rx.url}/ dropped: the queue is full (1 waiting, see maxQueue)`,
    ]);
    await hooks.close();
    await engine.close();
    await rx.close();
  });
});
