/**
 * OpenAI's error envelope, `{ error: { message, type, param, code } }`, and the HTTP status and OpenAI
 * type of each of the service's codes. A blocked prompt is OpenAI's `content_policy_violation`.
 */
import type { Reply } from '../http/envelope.js';
import type { ErrorCode } from '../tasks/task.js';

type OpenAIType = 'invalid_request_error' | 'authentication_error' | 'rate_limit_error' | 'server_error' | 'api_error';

const BY_CODE: Record<ErrorCode, { status: number; type: OpenAIType; code: string }> = {
  INVALID_REQUEST: { status: 400, type: 'invalid_request_error', code: 'invalid_value' },
  PROMPT_REJECTED: { status: 400, type: 'invalid_request_error', code: 'content_policy_violation' },
  UNSUPPORTED_LANGUAGE: { status: 400, type: 'invalid_request_error', code: 'unsupported_language' },
  NOT_FOUND: { status: 404, type: 'invalid_request_error', code: 'not_found' },
  RATE_LIMITED: { status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded' },
  // The Bing account's session, not the caller's key: an upstream failure.
  AUTH: { status: 502, type: 'api_error', code: 'upstream_auth' },
  UPSTREAM: { status: 502, type: 'api_error', code: 'upstream_error' },
  TIMEOUT: { status: 504, type: 'api_error', code: 'timeout' },
  UNAVAILABLE: { status: 503, type: 'api_error', code: 'unavailable' },
  INTERNAL: { status: 500, type: 'server_error', code: 'internal_error' },
};

/** Seconds a rate-limited caller is told to wait when nothing more precise is known. */
const DEFAULT_RETRY_AFTER_SECONDS = 60;

export function openAIError(
  status: number,
  type: OpenAIType,
  code: string,
  message: string,
  options: { param?: string | undefined; headers?: Record<string, string> } = {},
): Reply {
  return {
    status,
    body: { error: { message, type, param: options.param ?? null, code } },
    ...(options.headers ? { headers: options.headers } : {}),
  };
}

export function invalidRequest(message: string, param?: string, code = 'invalid_value'): Reply {
  return openAIError(400, 'invalid_request_error', code, message, { param });
}

export function fromServiceCode(
  code: ErrorCode,
  message: string,
  options: { retryAfterSeconds?: number | undefined; param?: string | undefined } = {},
): Reply {
  const { status, type, code: openAICode } = BY_CODE[code];
  const retryAfter = options.retryAfterSeconds ?? (code === 'RATE_LIMITED' ? DEFAULT_RETRY_AFTER_SECONDS : undefined);
  return openAIError(status, type, openAICode, message, {
    param: options.param,
    ...(retryAfter === undefined ? {} : { headers: { 'retry-after': String(Math.ceil(retryAfter)) } }),
  });
}
