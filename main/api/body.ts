import type { IncomingMessage } from 'node:http';
import { JobtrayError } from '../../contract/errors.js';
import { HttpProblem } from './respond.js';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/**
 * An oversized body is still read (and thrown away) up to this much, so the
 * client finishes sending and then reads the 413; past it the connection is cut.
 */
const DRAIN_LIMIT_BYTES = 16 * 1024 * 1024;

/**
 * Reads a request's JSON body: an object, or `{}` when there is no body.
 * Malformed JSON and non-object bodies are 400, a body that is not
 * `application/json` is 415, one over `maxBytes` is 413 (by Content-Length up
 * front, else counted while reading).
 */
export async function readJsonObject(req: IncomingMessage, maxBytes: number): Promise<Record<string, unknown>> {
  const text = await readBodyText(req, maxBytes);
  if (text.length === 0) return {};
  if (!isJsonContentType(req.headers['content-type'])) {
    throw new HttpProblem(
      415,
      'unsupported_media_type',
      `the request body must be JSON: send "Content-Type: application/json" (got ${JSON.stringify(req.headers['content-type'] ?? 'none')})`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text, refuseProtoKeys);
  } catch (error) {
    if (error instanceof JobtrayError) throw error;
    throw new JobtrayError('invalid_input', `the request body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new JobtrayError(
      'invalid_input',
      `the request body must be a JSON object, not ${Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`}`,
    );
  }
  return value as Record<string, unknown>;
}

/**
 * A `__proto__` key is a JSON own property, but becomes the prototype as soon
 * as anything downstream assigns it (e.g. a record schema copying fields): it
 * is never a valid field name here, so it is refused rather than silently lost.
 */
function refuseProtoKeys(key: string, value: unknown): unknown {
  if (key === '__proto__')
    throw new JobtrayError(
      'invalid_input',
      'the request body contains the field name "__proto__", which is not allowed',
    );
  return value;
}

function isJsonContentType(header: string | undefined): boolean {
  const type = header?.split(';')[0]?.trim().toLowerCase();
  return type === 'application/json' || (type !== undefined && /^application\/[a-z0-9.+-]+\+json$/.test(type));
}

function readBodyText(req: IncomingMessage, maxBytes: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  const tooLarge = () => new JobtrayError('payload_too_large', `the request body is larger than ${maxBytes} bytes`);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let over = Number.isFinite(declared) && declared > maxBytes;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBytes) over = true;
      if (!over) chunks.push(chunk);
      if (received > DRAIN_LIMIT_BYTES) {
        reject(tooLarge());
        req.destroy();
      }
    });
    req.on('end', () => (over ? reject(tooLarge()) : resolve(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', (error) =>
      reject(new JobtrayError('invalid_input', `reading the request body failed: ${error.message}`)),
    );
    // A client that goes away mid-body never sends 'end'; settle so the handler does not wait forever.
    req.on('close', () => {
      if (!req.complete)
        reject(new JobtrayError('invalid_input', 'the client closed the connection before sending the whole body'));
    });
  });
}
