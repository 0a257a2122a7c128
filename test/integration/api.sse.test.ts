import { describe, expect, it } from 'vitest';
import { STREAM_RESET_EVENT, type OperationResults } from '../../contract/api.js';
import type { JobView, RunRecord } from '../../contract/model.js';
import { LOGS_NOT_HELD } from '../../main/api/sse.js';
import {
  TEST_TOKEN,
  makeTestApi,
  openEventStream,
  startTrackedServer,
  type EventStream,
  type StreamMessage,
  type TestApi,
} from '../helpers/api.js';
import { eventually, waitForRun } from '../helpers/engine.js';

const JOBS = `
jobs:
  - id: hello
    command: [sh, -c, 'echo one; echo two']
  - id: quiet
    command: [sh, -c, 'true']
  - id: wide
    command: [python3, -c, "for i in range(400): print(str(i).rjust(4, '0') + ' é🚀 ' + 'w' * 200)"]
`;

const isRunState = (runId: number, state: string) => (m: StreamMessage) =>
  m.event === 'run:state' && (m.data as RunRecord).id === runId && (m.data as RunRecord).state === state;

/**
 * Triggers `job` over the API and waits on `stream` for its run to succeed
 * and for the job's state after it, the last event of a run: nothing more
 * comes then. Returns the run's id and the stream's last event id.
 */
async function runToEnd(t: TestApi, stream: EventStream, job: string): Promise<{ runId: number; lastId: number }> {
  const { body } = await t.api<OperationResults['jobs:trigger']>('POST', `/api/jobs/${job}/runs`);
  await stream.waitFor(isRunState(body.run_id, 'succeeded'));
  await stream.waitFor(
    (m) => m.event === 'job:state' && (m.data as JobView).last_run?.id === body.run_id,
    'job:state after the run',
  );
  return { runId: body.run_id, lastId: stream.messages.at(-1)!.id! };
}

/** The messages of the `run:log` events of run `runId` in `messages`. */
const logLinesOf = (messages: readonly StreamMessage[], runId: number) =>
  messages
    .filter((m) => m.event === 'run:log' && (m.data as { run_id: number }).run_id === runId)
    .flatMap((m) => (m.data as OperationResults['runs:logs']).lines.map((l) => l.message));

describe('Local API event stream (SSE)', () => {
  it('streams run:state, run:log and job:state of a triggered run in order, with increasing ids', async () => {
    const t = await makeTestApi({ jobs: JOBS });
    const stream = await openEventStream(t.server.port);
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(stream.headers['cache-control']).toBe('no-store');
    const trigger = await t.api<OperationResults['jobs:trigger']>('POST', '/api/jobs/hello/runs');
    const runId = trigger.body.run_id;
    await stream.waitFor(isRunState(runId, 'succeeded'), 'the run to succeed');
    await stream.waitFor(
      (m) => m.event === 'job:state' && (m.data as JobView).last_run?.state === 'succeeded',
      'job:state after the run',
    );

    expect(stream.raw().startsWith('retry: 2000\n\n')).toBe(true);
    const ids = stream.messages.map((m) => m.id!);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    const mine = stream.messages.filter(
      (m) =>
        (m.event === 'run:state' && (m.data as RunRecord).id === runId) ||
        (m.event === 'run:log' && (m.data as { run_id: number }).run_id === runId),
    );
    const states = mine.filter((m) => m.event === 'run:state').map((m) => (m.data as RunRecord).state);
    expect(states).toEqual(['queued', 'running', 'succeeded']);
    const firstLog = mine.findIndex((m) => m.event === 'run:log');
    const running = mine.findIndex((m) => m.event === 'run:state' && (m.data as RunRecord).state === 'running');
    const done = mine.findIndex((m) => m.event === 'run:state' && (m.data as RunRecord).state === 'succeeded');
    expect(running).toBeLessThan(firstLog);
    expect(firstLog).toBeLessThan(done);
    const lines = mine
      .filter((m) => m.event === 'run:log')
      .flatMap((m) => (m.data as OperationResults['runs:logs']).lines.map((l) => l.message));
    expect(lines).toEqual(expect.arrayContaining(['one', 'two']));

    stream.close();
    await t.close();
  });

  it('filters by event name', async () => {
    const t = await makeTestApi({ jobs: JOBS });
    const stream = await openEventStream(t.server.port, { query: 'events=run:state' });
    const { body } = await t.api<OperationResults['jobs:trigger']>('POST', '/api/jobs/hello/runs');
    await stream.waitFor(isRunState(body.run_id, 'succeeded'));
    expect(new Set(stream.messages.map((m) => m.event))).toEqual(new Set(['run:state']));
    const bad = await t.api('GET', '/api/events?events=run:state,nope:nope');
    expect(bad.status).toBe(400);
    stream.close();
    await t.close();
  });

  it('resumes with Last-Event-ID (header or query) with exactly the missed events', async () => {
    const t = await makeTestApi({ jobs: JOBS });
    const first = await openEventStream(t.server.port);
    const a = await t.api<OperationResults['jobs:trigger']>('POST', '/api/jobs/hello/runs');
    await first.waitFor(isRunState(a.body.run_id, 'succeeded'));
    // The watcher sees everything from before the first client leaves, so it holds every event that client missed.
    const watcher = await openEventStream(t.server.port);
    await eventually(() => t.server.streamClients === 2, 'the watcher to attach');
    first.close();
    await eventually(() => t.server.streamClients === 1, 'the first stream to be detached');
    const resumeFrom = first.messages.at(-1)!.id!;

    const b = await t.api<OperationResults['jobs:trigger']>('POST', '/api/jobs/quiet/runs');
    await watcher.waitFor(isRunState(b.body.run_id, 'succeeded'));
    await waitForRun(t.engine, b.body.run_id);
    const last = watcher.messages.at(-1)!.id!;
    const missed = watcher.messages.filter((m) => m.id! > resumeFrom);
    expect(missed.length).toBeGreaterThan(3);
    watcher.close();

    for (const options of [{ lastEventId: resumeFrom }, { query: `last_event_id=${resumeFrom}` }]) {
      const resumed = await openEventStream(t.server.port, options);
      await resumed.waitFor((m) => m.id === last, 'the replay to reach the last event');
      expect(resumed.messages.map((m) => [m.id, m.event])).toEqual(missed.map((m) => [m.id, m.event]));
      resumed.close();
    }
    await t.close();
  });

  it('sends stream:reset first when the resume id is older than the buffer or unknown', async () => {
    const t = await makeTestApi({ jobs: JOBS, server: { sseBufferSize: 3 } });
    const watcher = await openEventStream(t.server.port);
    const { lastId } = await runToEnd(t, watcher, 'hello');
    expect(lastId).toBeGreaterThan(4);
    watcher.close();

    const old = await openEventStream(t.server.port, { lastEventId: 1 });
    const reset = await old.waitFor((m) => m.event === STREAM_RESET_EVENT);
    expect(old.messages[0]).toBe(reset);
    expect(reset.id).toBe(lastId);
    expect(reset.data).toMatchObject({ last_event_id: 1, oldest_id: lastId - 2 });
    old.close();

    // Still held: the last three events are replayed, no reset.
    const recent = await openEventStream(t.server.port, { lastEventId: lastId - 3 });
    await recent.waitFor((m) => m.id === lastId);
    expect(recent.messages.map((m) => m.id)).toEqual([lastId - 2, lastId - 1, lastId]);
    recent.close();

    const future = await openEventStream(t.server.port, { lastEventId: lastId + 100 });
    expect((await future.waitFor(() => true)).event).toBe(STREAM_RESET_EVENT);
    future.close();
    await t.close();
  });

  it('holds at most sseBufferBytes bytes of events for resuming clients: older ones are dropped and reset', async () => {
    // Room for about one event: only the newest is held, however many came (a chatty job's run:log events are large).
    const t = await makeTestApi({ jobs: JOBS, server: { sseBufferBytes: 1 } });
    const watcher = await openEventStream(t.server.port);
    const { lastId } = await runToEnd(t, watcher, 'hello');
    expect(watcher.messages.length).toBeGreaterThan(3);
    watcher.close();

    const recent = await openEventStream(t.server.port, { lastEventId: lastId - 1 });
    await recent.waitFor((m) => m.id === lastId);
    expect(recent.messages.map((m) => m.id)).toEqual([lastId]);
    recent.close();

    const older = await openEventStream(t.server.port, { lastEventId: lastId - 2 });
    const reset = await older.waitFor(() => true);
    expect(reset.event).toBe(STREAM_RESET_EVENT);
    expect(reset.data).toMatchObject({
      reason: 'events after this id are no longer held',
      last_event_id: lastId - 2,
      oldest_id: lastId,
    });
    older.close();
    await t.close();
  });

  it('streams large run:log events (held as bytes) with every character intact, and bounds them by their bytes', async () => {
    const t = await makeTestApi({ jobs: JOBS, server: { sseBufferBytes: 64 * 1024 } });
    const stream = await openEventStream(t.server.port);
    const { runId, lastId } = await runToEnd(t, stream, 'wide');
    const expected = Array.from({ length: 400 }, (_, i) => `${String(i).padStart(4, '0')} é🚀 ${'w'.repeat(200)}`);
    expect(logLinesOf(stream.messages, runId)).toEqual(expected);
    // 85 KB of lines: more than one event, each over the size held as bytes.
    expect(stream.messages.filter((m) => m.event === 'run:log').length).toBeGreaterThan(1);
    stream.close();

    // 64 KB held: a client resuming from before the run is reset, one resuming from its last events is not.
    const old = await openEventStream(t.server.port, { lastEventId: lastId - stream.messages.length + 1 });
    expect((await old.waitFor(() => true)).event).toBe(STREAM_RESET_EVENT);
    old.close();
    const recent = await openEventStream(t.server.port, { lastEventId: lastId - 1 });
    await recent.waitFor((m) => m.id === lastId);
    expect(recent.messages.map((m) => m.event)).not.toContain(STREAM_RESET_EVENT);
    recent.close();
    await t.close();
  });

  it('follows run:log only while a stream wants it (and a grace period after): nobody listening, no line comes back to this thread', async () => {
    const t = await makeTestApi({ jobs: JOBS, server: { sseLogGraceMs: 0 } });
    // No stream: the engine has no run:log listener, so the log writer keeps its lines to itself.
    expect(t.engine.events.has('run:log')).toBe(false);
    const states = await openEventStream(t.server.port, { query: 'events=run:state,job:state' });
    expect(t.engine.events.has('run:log')).toBe(false);

    const follower = await openEventStream(t.server.port);
    expect(t.engine.events.has('run:log')).toBe(true);
    const first = await runToEnd(t, follower, 'hello');
    expect(logLinesOf(follower.messages, first.runId)).toEqual(['one', 'two']);
    const followedUpTo = first.lastId;
    follower.close();
    await eventually(() => !t.engine.events.has('run:log'), 'run:log no longer followed after the grace period');

    // Lines printed while nobody followed them: a client resuming from before is reset, and reloads.
    const second = await runToEnd(t, states, 'hello');
    expect(states.messages.every((m) => m.event !== 'run:log')).toBe(true);
    const resumed = await openEventStream(t.server.port, { lastEventId: followedUpTo });
    const reset = await resumed.waitFor(() => true);
    expect(reset.event).toBe(STREAM_RESET_EVENT);
    expect(reset.data).toMatchObject({ reason: LOGS_NOT_HELD, last_event_id: followedUpTo });
    resumed.close();

    // A client that does not want run:log resumes from the same id without a reset: its events were all held.
    const stateOnly = await openEventStream(t.server.port, {
      lastEventId: followedUpTo,
      query: 'events=run:state',
    });
    await stateOnly.waitFor(isRunState(second.runId, 'succeeded'));
    expect(stateOnly.messages.every((m) => m.event === 'run:state')).toBe(true);
    stateOnly.close();

    // A client that did not want run:log while nobody followed it asks for it now, resuming from before events it
    // missed (the dashboard reopening its stream when a log is opened): no reset, nothing of it lost. (Its last event
    // comes after the hub stopped following run:log; one from right before might have been a follower's: reset.)
    const { lastId: statesSeen } = await runToEnd(t, states, 'hello');
    const third = await runToEnd(t, states, 'hello');
    expect(t.engine.events.has('run:log')).toBe(false);
    const switched = await openEventStream(t.server.port, { lastEventId: statesSeen });
    await switched.waitFor(isRunState(third.runId, 'succeeded'));
    expect(switched.messages.some((m) => m.event === STREAM_RESET_EVENT)).toBe(false);
    expect(t.engine.events.has('run:log')).toBe(true);
    const fourth = await runToEnd(t, switched, 'hello');
    expect(logLinesOf(switched.messages, fourth.runId)).toEqual(['one', 'two']);
    switched.close();
    states.close();
    await t.close();
  });

  it('a client reconnecting within the grace period resumes with every run:log it missed', async () => {
    const t = await makeTestApi({ jobs: JOBS });
    const first = await openEventStream(t.server.port);
    const { lastId: lastSeen } = await runToEnd(t, first, 'quiet');
    first.close();
    await eventually(() => t.server.streamClients === 0, 'the first stream gone');
    // Still followed (the default grace is a minute): lines printed now are held for the client coming back.
    expect(t.engine.events.has('run:log')).toBe(true);
    const missed = await t.api<OperationResults['jobs:trigger']>('POST', '/api/jobs/hello/runs');
    await waitForRun(t.engine, missed.body.run_id);
    const again = await openEventStream(t.server.port, { lastEventId: lastSeen });
    await again.waitFor(isRunState(missed.body.run_id, 'succeeded'));
    expect(again.messages.some((m) => m.event === STREAM_RESET_EVENT)).toBe(false);
    expect(logLinesOf(again.messages, missed.body.run_id)).toEqual(['one', 'two']);
    again.close();
    await t.close();
  });

  it('a restarted server never reissues an id: a client resuming across the restart is reset, however many events came since', async () => {
    const t = await makeTestApi({ jobs: JOBS });
    const before = await openEventStream(t.server.port);
    const { lastId: resumeFrom } = await runToEnd(t, before, 'hello');
    before.close();
    await t.server.close();

    // The host starts again and issues more events than the client had seen before it resumes.
    const again = await startTrackedServer({ engine: t.engine, token: TEST_TOKEN, port: 0 });
    const watcher = await openEventStream(again.port);
    for (let i = 0; i < 3; i++) {
      const run = t.engine.trigger('hello', { actor: 'api' });
      await watcher.waitFor(isRunState(run.id, 'succeeded'));
    }
    expect(watcher.messages.length).toBeGreaterThan(before.messages.length);
    expect(Math.min(...watcher.messages.map((m) => m.id!))).toBeGreaterThan(resumeFrom);
    watcher.close();

    const resumed = await openEventStream(again.port, { lastEventId: resumeFrom });
    const reset = await resumed.waitFor(() => true);
    expect(reset.event).toBe(STREAM_RESET_EVENT);
    expect(reset.data).toMatchObject({ reason: 'the server restarted since this id', last_event_id: resumeFrom });
    resumed.close();
    await again.close();
    await t.engine.close();
  });

  it('cleans up a client that disconnects, and close() ends every stream', async () => {
    const t = await makeTestApi({ jobs: JOBS });
    const a = await openEventStream(t.server.port);
    const b = await openEventStream(t.server.port);
    expect(t.server.streamClients).toBe(2);
    a.close();
    await eventually(() => t.server.streamClients === 1, 'one client left');
    await t.server.close();
    await b.ended;
    expect(t.server.streamClients).toBe(0);
    await t.engine.close();
  });

  it('pings idle streams with a comment', async () => {
    const t = await makeTestApi({ jobs: JOBS, server: { ssePingMs: 20 } });
    const stream = await openEventStream(t.server.port);
    await eventually(() => stream.raw().includes(': ping\n\n'), 'a ping');
    stream.close();
    await t.close();
  });

  it('drops a client that falls too far behind', async () => {
    const t = await makeTestApi({ jobs: JOBS, server: { sseMaxBufferedBytes: 1024 * 1024 } });
    const slow = await openEventStream(t.server.port, { read: false });
    await eventually(() => t.server.streamClients === 1, 'the slow client to attach');
    // 32 MB of events to a client that reads nothing: more than the kernel's socket buffers hold.
    const line = {
      run_id: 1,
      seq: 1,
      ts: 0,
      stream: 'stdout' as const,
      level: 'info' as const,
      message: 'x'.repeat(1024 * 1024),
    };
    for (let i = 0; i < 32; i++) t.engine.events.emit('run:log', { run_id: 1, job_id: 'hello', lines: [line] });
    await slow.ended;
    expect(t.server.streamClients).toBe(0);
    await t.close();
  });
});
