/**
 * What the REST routes answer: the success and error envelopes of the original wrapper, pretty-printed,
 * and the HTTP status and error type of each ServiceError code.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorCode } from '../tasks/task.js';

export interface Reply {
  status: number;
  /** Serialised as JSON; undefined sends no body (204). */
  body?: unknown;
  /** The body already serialised, sent as it is (instead of `body`). */
  text?: string;
  headers?: Record<string, string>;
}

export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'auth_error'
  | 'prompt_rejected_error'
  | 'unsupported_language_error'
  | 'rate_limit_error'
  | 'timeout_error'
  | 'api_error';

export const ERROR_STATUS: Record<ErrorCode, { status: number; type: ErrorType }> = {
  INVALID_REQUEST: { status: 400, type: 'invalid_request_error' },
  AUTH: { status: 401, type: 'auth_error' },
  NOT_FOUND: { status: 404, type: 'invalid_request_error' },
  PROMPT_REJECTED: { status: 422, type: 'prompt_rejected_error' },
  UNSUPPORTED_LANGUAGE: { status: 422, type: 'unsupported_language_error' },
  RATE_LIMITED: { status: 429, type: 'rate_limit_error' },
  INTERNAL: { status: 500, type: 'api_error' },
  UPSTREAM: { status: 502, type: 'api_error' },
  TIMEOUT: { status: 504, type: 'timeout_error' },
};

/** Seconds a rate-limited caller is told to wait when Bing named no time. */
const DEFAULT_RETRY_AFTER_SECONDS = 60;

export function success(data: unknown, extra: Record<string, unknown> = {}): Reply {
  return { status: 200, body: { success: true, ...extra, data, timestamp: new Date().toISOString() } };
}

export function failure(status: number, type: ErrorType, message: string, headers?: Record<string, string>): Reply {
  return { status, body: { error: { message, type } }, ...(headers ? { headers } : {}) };
}

export function serviceFailure(code: ErrorCode, message: string, retryAfterSeconds: number | undefined): Reply {
  const { status, type } = ERROR_STATUS[code];
  const retryAfter = retryAfterSeconds ?? (code === 'RATE_LIMITED' ? DEFAULT_RETRY_AFTER_SECONDS : undefined);
  return failure(status, type, message, retryAfter === undefined ? undefined : { 'retry-after': String(Math.ceil(retryAfter)) });
}

export const internalFailure = (): Reply =>
  failure(500, 'api_error', 'Something went wrong inside the server. Try again; if it keeps failing, check the server logs.');

/**
 * The success envelope of data that never changes while the server runs (/options): serialised once, with
 * only the timestamp made per answer, and a weak ETag (the bytes differ by their timestamp, the data does
 * not), so that a client that sends it back in If-None-Match gets a 304 without a body.
 */
export function staticSuccess(data: unknown): (req: IncomingMessage) => Reply {
  const mark = '\u0000timestamp\u0000';
  const template = JSON.stringify({ success: true, data, timestamp: mark }, null, 2);
  const [before, after] = template.split(JSON.stringify(mark)) as [string, string];
  const etag = `W/"${createHash('sha256').update(template).digest('base64url').slice(0, 27)}"`;
  const headers = { etag, 'cache-control': 'no-cache' };
  return (req) => {
    if (matchesEtag(req.headers['if-none-match'], etag)) return { status: 304, headers };
    return { status: 200, text: `${before}"${new Date().toISOString()}"${after}`, headers };
  };
}

/** If-None-Match against one ETag, by weak comparison (RFC 9110 13.1.2): `*`, or any listed tag with or without W/. */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const opaque = etag.slice(2);
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    return (trimmed.startsWith('W/') ? trimmed.slice(2) : trimmed) === opaque;
  });
}

/**
 * Writes a reply unless the client is already gone (a long generation can outlive its request). The
 * headers go in one writeHead, with nothing set before it: Node then writes them without building its
 * own table of them first. `extra` (CORS, a closing connection) comes before the reply's own.
 */
export function send(res: ServerResponse, reply: Reply, extra?: Record<string, string>): void {
  if (res.writableEnded || res.destroyed || res.headersSent) return;
  const text = reply.text ?? (reply.body === undefined ? undefined : JSON.stringify(reply.body, null, 2));
  const headers: Record<string, string | number> =
    text === undefined
      ? {}
      : {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(text),
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
        };
  for (const name in extra) headers[name] = extra[name]!;
  for (const name in reply.headers) headers[name] = reply.headers[name]!;
  res.writeHead(reply.status, headers);
  if (text === undefined) res.end();
  else res.end(text);
}
