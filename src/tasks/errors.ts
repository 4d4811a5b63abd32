import type { ErrorCode } from './task.js';

/**
 * A generation source's own failure, already given its public code (see bing-generations.ts). Not a
 * ServiceError: the service tells its own refusals apart from what the source threw.
 */
export class GenerationError extends Error {
  override readonly name = 'GenerationError';
  readonly code: ErrorCode;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { retryAfterSeconds?: number | undefined; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** A failure the API reports as data: every surface (GraphQL, REST) maps its code, never its cause. */
export class ServiceError extends Error {
  override readonly name = 'ServiceError';
  readonly code: ErrorCode;
  readonly retryAfterSeconds: number | undefined;
  /** The input field at fault, for INVALID_REQUEST. */
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, options: { retryAfterSeconds?: number; field?: string } = {}) {
    super(message);
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.field = options.field;
  }

  static from(error: unknown): ServiceError {
    if (error instanceof ServiceError) return error;
    if (error instanceof GenerationError) {
      return new ServiceError(
        error.code,
        error.message,
        error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds },
      );
    }
    return new ServiceError('INTERNAL', 'Something went wrong inside the server. The generation was not completed.');
  }
}

export function invalid(field: string, message: string): ServiceError {
  return new ServiceError('INVALID_REQUEST', message, { field });
}

export function notFound(): ServiceError {
  return new ServiceError('NOT_FOUND', 'Task not found.');
}
