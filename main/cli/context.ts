import { ApiClient, resolveConnection, type ConnectionOptions } from './client.js';
import { UsageError } from './errors.js';
import type { CliIo } from './format.js';

/** What every command that talks to the host shares: its output and a lazily made client, and argument checks. */

export interface CommonOptions extends ConnectionOptions {
  json?: boolean;
}

/** What every HTTP command gets: where to write, and a client for the host the options point at. */
export interface Ctx {
  io: CliIo;
  json: boolean;
  client: ApiClient;
  /** Human output; suppressed under --json, whose stdout is only the JSON document. */
  say(text: string): void;
  emitJson(value: unknown): void;
}

export function makeCtx(io: CliIo, options: CommonOptions): Ctx {
  const json = options.json === true;
  let client: ApiClient | null = null;
  return {
    io,
    json,
    // Resolved on first use, so a command checks its own arguments before looking for the host.
    get client() {
      return (client ??= new ApiClient(resolveConnection(options, io.env)));
    },
    say: (text) => {
      if (!json) io.stdout.write(`${text}\n`);
    },
    emitJson: (value) => {
      if (json) io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
  };
}

export function parseRunId(raw: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || !Number.isSafeInteger(Number(raw)))
    throw new UsageError(`${JSON.stringify(raw)} is not a run id (a positive whole number, e.g. 12)`);
  return Number(raw);
}

export function parseWhole(option: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max)
    throw new UsageError(`${option} ${JSON.stringify(raw)} must be a whole number from ${min} to ${max}`);
  return n;
}
