/**
 * What the REST routes answer: the success and error envelopes of the original wrapper, pretty-printed,
 * and the HTTP status and error type of each ServiceError code.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { failure, type ErrorType, type Reply } from '../http/envelope.js';
import type { ErrorCode } from '../tasks/task.js';

export { failure, send, type ErrorType, type Reply } from '../http/envelope.js';

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
  UNAVAILABLE: { status: 503, type: 'api_error' },
};

/** Seconds a rate-limited caller is told to wait when Bing named no time. */
const DEFAULT_RETRY_AFTER_SECONDS = 60;

export function success(data: unknown, extra: Record<string, unknown> = {}): Reply {
  return { status: 200, body: { success: true, ...extra, data, timestamp: new Date().toISOString() } };
}

export function serviceFailure(code: ErrorCode, message: string, retryAfterSeconds: number | undefined): Reply {
  const { status, type } = ERROR_STATUS[code];
  const retryAfter = retryAfterSeconds ?? (code === 'RATE_LIMITED' ? DEFAULT_RETRY_AFTER_SECONDS : undefined);
  return failure(
    status,
    type,
    message,
    retryAfter === undefined ? undefined : { 'retry-after': String(Math.ceil(retryAfter)) },
  );
}

export const internalFailure = (): Reply =>
  failure(
    500,
    'api_error',
    'Something went wrong inside the server. Try again; if it keeps failing, check the server logs.',
  );

/** Writes a reply unless the client is already gone (a long generation can outlive its request). */

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
