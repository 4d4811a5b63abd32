/** Every way a Bing generation can fail, as a stable code callers can switch on. */
export const BING_ERROR_CODES = [
  'INVALID_REQUEST',
  'AUTH',
  'PROMPT_REJECTED',
  'UNSUPPORTED_LANGUAGE',
  'RATE_LIMITED',
  'UPSTREAM',
  'TIMEOUT',
] as const;

export type BingErrorCode = (typeof BING_ERROR_CODES)[number];

export interface BingErrorOptions {
  /** Seconds a caller should wait before trying again (RATE_LIMITED). */
  retryAfterSeconds?: number;
  /** Whether repeating the same idempotent request may succeed (polls only). */
  retryable?: boolean;
  cause?: unknown;
}

/**
 * A failure the client understood. The message is a plain sentence meant for the end user;
 * it never contains a cookie, a header or a raw upstream body.
 */
export class BingError extends Error {
  override readonly name = 'BingError';
  readonly code: BingErrorCode;
  readonly retryAfterSeconds: number | undefined;
  readonly retryable: boolean;

  constructor(code: BingErrorCode, message: string, options: BingErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.retryable = options.retryable ?? false;
  }
}
