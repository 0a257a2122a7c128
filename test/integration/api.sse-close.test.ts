import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { EventHub } from '../../main/api/sse.js';
import { EngineEvents } from '../../main/engine/events.js';
import { silentLogger } from '../../main/engine/logger.js';

/**
 * A host that stops ends its streams. A stream asked for on a connection kept
 * alive while it stops (the dashboard reopening its stream with another filter
 * right then) must end too, cleanly, not stay open until the server cuts the
 * connection: a browser logs a cut chunked response as an error.
 */
describe('event stream of a closing host', () => {
  it('ends a stream asked for after close() at once and cleanly, with its retry hint and no event', async () => {
    const events = new EngineEvents(silentLogger);
    const hub = new EventHub(events);
    const server = http.createServer((req, res) => hub.attach(req, res, {}));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      // Open before close(): it ends with close().
      const before = await fetch(`http://127.0.0.1:${port}/api/events`);
      expect(before.status).toBe(200);
      const beforeBody = before.text();
      hub.close();
      expect(await beforeBody).toBe('retry: 2000\n\n');

      // Asked for after close(): answered and ended at once; an event published later reaches nobody.
      const after = await fetch(`http://127.0.0.1:${port}/api/events`);
      expect(after.status).toBe(200);
      expect(after.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      events.emit('engine:paused', { paused: true });
      expect(await after.text()).toBe('retry: 2000\n\n');
      expect(hub.clientCount).toBe(0);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
