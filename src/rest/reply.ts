/**
 * What the REST routes answer: the success and error envelopes of the original wrapper, pretty-printed,
 * and the HTTP status and error type of each ServiceError code.
 */
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
