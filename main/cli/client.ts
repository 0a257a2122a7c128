import { ACTOR_HEADER } from '../../contract/api.js';
import fs from 'node:fs';
import path from 'node:path';
import type {
  ApiErrorBody,
  DiscoveryFile,
  OperationName,
  OperationRequest,
  OperationResults,
} from '../../contract/api.js';
import { ERROR_CODES, JobtrayError, type ErrorCode } from '../../contract/errors.js';
import { operationRequest } from '../../contract/routes.js';
import { defaultDataDir } from '../host/data-dir.js';
import { discoveryPath } from '../host/discovery.js';
import { UsageError, notRunning } from './errors.js';
import { isAlive } from '../shared/process.js';

/** How the user pointed the CLI at a host (all optional: the default is the discovery file of the default data dir). */
export interface ConnectionOptions {
  url?: string;
  token?: string;
  dataDir?: string;
}

export interface Connection {
  /** Base URL of the Local API, without a trailing slash. */
  url: string;
  token: string;
  /** Where the token came from, for the message when it is rejected: "given with --token" or "in <discovery file>". */
  tokenOrigin: string;
}

/**
 * Finds the host: `--url`/`--token` when given, else `api.json` in the data
 * dir, whose writer must still be alive (a crashed host leaves a stale file).
 */
export function resolveConnection(options: ConnectionOptions, env: NodeJS.ProcessEnv): Connection {
  const dataDir = options.dataDir ? path.resolve(options.dataDir) : defaultDataDir(env);
  const file = discoveryPath(dataDir);
  if (options.url) {
    const url = normaliseUrl(options.url);
    if (options.token) return { url, token: options.token, tokenOrigin: 'given with --token' };
    const discovered = readDiscoveryFile(file);
    if (!discovered) throw new UsageError(`--url needs --token: no discovery file with a token at ${file}`);
    return { url, token: discovered.token, tokenOrigin: `in ${file}` };
  }
  const discovered = readDiscoveryFile(file);
  if (!discovered) throw notRunning(`data dir ${dataDir}: ${file} does not exist`);
  if (!isAlive(discovered.pid))
    throw notRunning(`${discovered.url}: process ${discovered.pid} that wrote ${file} has exited`);
  return options.token
    ? { url: normaliseUrl(discovered.url), token: options.token, tokenOrigin: 'given with --token' }
    : { url: normaliseUrl(discovered.url), token: discovered.token, tokenOrigin: `in ${file}` };
}

function normaliseUrl(raw: string): string {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new UsageError(`--url ${JSON.stringify(raw)} is not a URL (expected e.g. http://127.0.0.1:8787)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new UsageError(`--url ${JSON.stringify(raw)} must be an http:// URL`);
  return parsed.origin;
}

/** The discovery file, or null when there is none; a file that is not one is an error naming it. */
function readDiscoveryFile(file: string): DiscoveryFile | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new JobtrayError('unavailable', `cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    const data = JSON.parse(text) as Partial<DiscoveryFile>;
    if (typeof data.url === 'string' && typeof data.token === 'string' && typeof data.pid === 'number')
      return data as DiscoveryFile;
  } catch {
    // reported below
  }
  throw new JobtrayError(
    'unavailable',
    `${file} is not a Jobtray discovery file (expected JSON with url, token and pid); if Jobtray is not running, delete it`,
  );
}

/** The Local API over HTTP: every failure becomes a JobtrayError whose message a person can act on. */
export class ApiClient {
  constructor(readonly connection: Connection) {}

  /** Calls one contract operation (see operationRequest for where each field goes). */
  async call<K extends OperationName>(name: K, input: OperationRequest<K>): Promise<OperationResults[K]> {
    const { method, url, body } = operationRequest(name, input);
    const response = await this.request(url, {
      method,
      ...(body !== null ? { body, headers: { 'Content-Type': 'application/json' } } : {}),
    });
    return (await response.json()) as OperationResults[K];
  }

  /** A request that answered 2xx; anything else is thrown as the API's own error (code and message). */
  async request(urlPath: string, init: RequestInit = {}): Promise<Response> {
    const headers = {
      Accept: 'application/json',
      ...(init.headers as Record<string, string>),
      Authorization: `Bearer ${this.connection.token}`,
      [ACTOR_HEADER]: 'cli',
    };
    let response: Response;
    try {
      response = await fetch(`${this.connection.url}${urlPath}`, { ...init, headers });
    } catch (error) {
      throw this.networkError(error);
    }
    if (!response.ok) throw await this.apiError(response);
    return response;
  }

  /** Turns a failed fetch into "not running" (refused) or "lost connection" (anything else), or rethrows an abort. */
  networkError(error: unknown): Error {
    if (error instanceof Error && error.name === 'AbortError') return error;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code === 'ECONNREFUSED') return notRunning(this.connection.url);
    const detail = cause?.message ?? (error instanceof Error ? error.message : String(error));
    return new JobtrayError('unavailable', `lost the connection to Jobtray at ${this.connection.url}: ${detail}`);
  }

  private async apiError(response: Response): Promise<JobtrayError> {
    // Read whole, so the connection is free again (an unread body keeps it busy until the server gives up on it).
    const text = await response.text().catch(() => '');
    if (response.status === 401) {
      return new JobtrayError(
        'unauthorized',
        `the token ${this.connection.tokenOrigin} was rejected by ${this.connection.url}: is it from another Jobtray instance? (the running host writes its token to api.json in its data dir)`,
      );
    }
    let body: Partial<ApiErrorBody> = {};
    try {
      body = JSON.parse(text) as Partial<ApiErrorBody>;
    } catch {
      // not JSON: described by status below
    }
    const code = (ERROR_CODES as readonly string[]).includes(body.error?.code ?? '')
      ? (body.error!.code as ErrorCode)
      : 'internal';
    const message =
      body.error?.message ??
      `${this.connection.url} answered HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`;
    return new JobtrayError(code, message, { status: response.status });
  }
}
