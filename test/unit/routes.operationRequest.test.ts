import { describe, expect, it } from 'vitest';
import { operationRequest, pathFor } from '../../contract/routes.js';

describe('operationRequest', () => {
  it('puts path parameters in the path and the rest in the query of a GET, leaving out undefined fields', () => {
    expect(operationRequest('runs:logs', { id: 7, after: 10, q: 'a b', level: undefined })).toEqual({
      method: 'GET',
      url: '/api/runs/7/logs?after=10&q=a+b',
      body: null,
    });
    expect(operationRequest('jobs:list', {})).toEqual({ method: 'GET', url: '/api/jobs', body: null });
  });

  it('sends the other fields of a POST, PUT or PATCH as a JSON body', () => {
    expect(operationRequest('jobs:trigger', { id: 'sync-orders', params: { days: 3 } })).toEqual({
      method: 'POST',
      url: '/api/jobs/sync-orders/runs',
      body: '{"params":{"days":3}}',
    });
    expect(operationRequest('jobs:preview-schedule', { id: 'a', schedule: { every: '5m' } })).toEqual({
      method: 'POST',
      url: '/api/jobs/a/schedule/preview',
      body: '{"schedule":{"every":"5m"}}',
    });
    expect(operationRequest('jobs:reset-schedule', { id: 'a' })).toEqual({
      method: 'DELETE',
      url: '/api/jobs/a/schedule',
      body: null,
    });
  });

  it('encodes path parameters', () => {
    expect(pathFor('runs:artifact', { id: 3, name: 'résumé "final".txt' })).toBe(
      '/api/runs/3/artifacts/r%C3%A9sum%C3%A9%20%22final%22.txt',
    );
  });
});
