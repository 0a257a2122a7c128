import { describe, expect, it } from 'vitest';
import { classifyResponse, parseRetryAfter, redactUrl } from '../../main/notify/webhooks.js';

const response = (status: number, headers: Record<string, string> = {}) => new Response(null, { status, headers });

describe('classifyResponse', () => {
  it('delivers on 2xx', () => {
    for (const status of [200, 201, 202, 204])
      expect(classifyResponse(response(status))).toEqual({ kind: 'delivered' });
  });

  it('retries 5xx, 408 and 429, with the Retry-After asked for', () => {
    expect(classifyResponse(response(500))).toEqual({ kind: 'retry', reason: 'HTTP 500', retryAfterMs: null });
    expect(classifyResponse(response(503, { 'retry-after': '7' }))).toMatchObject({
      kind: 'retry',
      retryAfterMs: 7_000,
    });
    expect(classifyResponse(response(408))).toMatchObject({ kind: 'retry' });
    expect(classifyResponse(response(429, { 'retry-after': '1' }))).toMatchObject({
      kind: 'retry',
      retryAfterMs: 1_000,
    });
  });

  it('fails for good on other 4xx and on redirects', () => {
    for (const status of [400, 401, 403, 404, 410, 422])
      expect(classifyResponse(response(status))).toEqual({ kind: 'permanent', reason: `HTTP ${status}` });
    expect(classifyResponse(response(301, { location: 'https://elsewhere.example/' }))).toMatchObject({
      kind: 'permanent',
      reason: expect.stringContaining('redirects are not followed'),
    });
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2025, 0, 15, 12, 0, 0);

  it('reads delay-seconds and HTTP dates, capped at 60 s', () => {
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter(' 12 ', now)).toBe(12_000);
    expect(parseRetryAfter('3600', now)).toBe(60_000);
    expect(parseRetryAfter(new Date(now + 5_000).toUTCString(), now)).toBe(5_000);
    expect(parseRetryAfter(new Date(now - 5_000).toUTCString(), now)).toBe(0);
  });

  it('ignores a missing or unreadable value', () => {
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter('', now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('-3', now)).toBeNull();
  });
});

describe('redactUrl', () => {
  it('removes credentials, query, fragment and path secrets, keeping what identifies the endpoint', () => {
    expect(redactUrl('https://ops:s3cret@chat.example:8443/hooks/ops?token=abc#x')).toBe(
      'https://chat.example:8443/hooks/…',
    );
    expect(redactUrl('https://hooks.slack.com/services/T000/B000/XXXXSECRET')).toBe(
      'https://hooks.slack.com/services/…',
    );
    expect(redactUrl('http://127.0.0.1:9/hook')).toBe('http://127.0.0.1:9/hook');
  });

  it('never echoes an unparseable value', () => {
    expect(redactUrl('not a url with secret')).toBe('(unparseable URL)');
  });
});
