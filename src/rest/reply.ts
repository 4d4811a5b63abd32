/**
 * What the REST routes answer: the success and error envelopes of the original wrapper, pretty-printed,
 * and the HTTP status and error type of each ServiceError code.
 */
import type { ServerResponse } from 'node:http';
import type { ErrorCode } from '../tasks/task.js';

export interface Reply {
  status: number;
  /** Serialised as JSON; undefined sends no body (204). */
  body?: unknown;
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
  UNAVAILABLE: { status: 503, type: 'api_error' },
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

/** Writes a reply unless the client is already gone (a long generation can outlive its request). */
export function send(res: ServerResponse, reply: Reply): void {
  if (res.writableEnded || res.destroyed || res.headersSent) return;
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  if (reply.body === undefined) {
    res.writeHead(reply.status);
    res.end();
    return;
  }
  const text = JSON.stringify(reply.body, null, 2);
  res.writeHead(reply.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(text);
}
