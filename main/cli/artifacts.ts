import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { ArtifactRecord } from '../../contract/model.js';
import { artifactNameProblem } from '../../contract/model.js';
import type { ApiClient } from './client.js';
import { parseRunId, type Ctx } from './context.js';
import { EXIT } from './errors.js';
import { table } from './format.js';

/** `jobtray artifacts RUN [--save DIR]`: list a run's artifacts, or download them (never outside DIR). */

export async function artifactsCommand(ctx: Ctx, rawRun: string, options: { save?: string }): Promise<number> {
  const runId = parseRunId(rawRun);
  const { artifacts } = await ctx.client.call('runs:artifacts', { id: runId });
  if (options.save === undefined) {
    ctx.emitJson({ artifacts });
    if (artifacts.length === 0) ctx.say(`Run ${runId} has no artifacts.`);
    else
      ctx.say(
        table(
          ['NAME', 'SIZE', 'TYPE', 'SHA256'],
          artifacts.map((a) => [a.name, String(a.size), a.media_type, a.sha256.slice(0, 12)]),
        ).trimEnd(),
      );
    return EXIT.ok;
  }
  const dir = path.resolve(options.save);
  fs.mkdirSync(dir, { recursive: true });
  const saved: { name: string; path: string }[] = [];
  let refused = 0;
  for (const artifact of artifacts) {
    const target = artifactTarget(dir, artifact);
    if (target === null) {
      refused++;
      ctx.io.stderr.write(
        `Not saved: artifact name ${JSON.stringify(artifact.name)} of run ${runId} is not a plain file name.\n`,
      );
      continue;
    }
    await download(ctx.client, artifact, target);
    saved.push({ name: artifact.name, path: target });
    ctx.say(`Saved ${artifact.name} (${artifact.size} bytes) to ${target}`);
  }
  ctx.emitJson({ artifacts, saved });
  if (artifacts.length === 0) ctx.say(`Run ${runId} has no artifacts.`);
  return refused > 0 ? EXIT.failed : EXIT.ok;
}

/** Where an artifact goes inside `dir`; null for a name that is not a plain file name (it could point outside). */
export function artifactTarget(dir: string, artifact: ArtifactRecord): string | null {
  if (artifactNameProblem(artifact.name) !== null || path.basename(artifact.name) !== artifact.name) return null;
  const target = path.join(dir, artifact.name);
  return path.dirname(target) === dir ? target : null;
}

/** Streams an artifact to a temp file beside `target`, then renames it, so a broken download leaves no half file. */
async function download(client: ApiClient, artifact: ArtifactRecord, target: string): Promise<void> {
  const response = await client.request(`/api/runs/${artifact.run_id}/artifacts/${encodeURIComponent(artifact.name)}`, {
    headers: { Accept: '*/*' },
  });
  const temp = `${target}.${process.pid}.part`;
  const body = response.body ? Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>) : Readable.from([]);
  try {
    await pipeline(body, fs.createWriteStream(temp));
    fs.renameSync(temp, target);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    // A file system error (it has a syscall) names its path already; anything else is the connection.
    throw (error as NodeJS.ErrnoException).syscall ? error : client.networkError(error);
  }
}

// ───────────────────────────── serve ─────────────────────────────
