import { describe, expect, it } from 'vitest';
import type { ArtifactRecord } from '../../contract/model.js';
import { useTempStore, sampleRun } from '../helpers/temp-store.js';

const temp = useTempStore();

function artifact(runId: number, name: string, overrides: Partial<ArtifactRecord> = {}): ArtifactRecord {
  return {
    run_id: runId,
    name,
    size: 1234,
    sha256: 'a'.repeat(64),
    path: `artifacts/${runId}/${name}`,
    media_type: 'text/csv',
    created_at: 1_700_000_000_000,
    ...overrides,
  };
}

describe('store artifacts', () => {
  it('records, lists by name and gets artifacts of a run', () => {
    const run = temp.store.insertRun(sampleRun());
    const other = temp.store.insertRun(sampleRun());
    const b = temp.store.insertArtifact(artifact(run.id, 'b.csv'));
    const a = temp.store.insertArtifact(artifact(run.id, 'a.json', { media_type: 'application/json', size: 0 }));
    temp.store.insertArtifact(artifact(other.id, 'a.json'));
    expect(temp.store.listArtifacts(run.id)).toEqual([a, b]);
    expect(temp.store.getArtifact(run.id, 'b.csv')).toEqual(b);
    expect(temp.store.getArtifact(run.id, 'c.csv')).toBeNull();
    expect(temp.store.listArtifacts(12345)).toEqual([]);
  });

  it('replaces an artifact of the same name on the same run', () => {
    const run = temp.store.insertRun(sampleRun());
    temp.store.insertArtifact(artifact(run.id, 'export.csv'));
    const newer = temp.store.insertArtifact(
      artifact(run.id, 'export.csv', { size: 99, sha256: 'b'.repeat(64), created_at: 5 }),
    );
    expect(temp.store.listArtifacts(run.id)).toEqual([newer]);
  });

  it('refuses an artifact of an unknown run, naming run and artifact', () => {
    expect(() => temp.store.insertArtifact(artifact(777, 'x.csv'))).toThrow(
      expect.objectContaining({ code: 'not_found', message: expect.stringMatching(/run 777.*"x\.csv"/) }),
    );
  });
});
