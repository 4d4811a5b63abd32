/**
 * Expected failures are data: one GraphQL type per error code, each implementing `Error`. Anything else
 * is left to Yoga's masking, which hides its message.
 */
import { GraphQLError } from 'graphql';
import { ServiceError } from '../tasks/errors.js';
import type { ErrorCode } from '../tasks/task.js';
import { builder } from './builder.js';
import { ErrorCodeEnum } from './enums.js';

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly retryAfterSeconds: number | null;
  readonly field: string | null;

  constructor(failure: ServiceError) {
    super(failure.message);
    this.code = failure.code;
    this.retryAfterSeconds = failure.retryAfterSeconds ?? null;
    this.field = failure.field ?? null;
  }
}

export const ErrorInterface = builder.interfaceRef<ApiError>('Error').implement({
  description: 'An expected failure: a sentence for people, a code for programs.',
  fields: (t) => ({
    message: t.exposeString('message'),
    code: t.field({ type: ErrorCodeEnum, resolve: (error) => error.code }),
  }),
});

function errorType(name: string, code: ErrorCode, description: string) {
  const type = class extends ApiError {};
  Object.defineProperty(type, 'name', { value: name });
  builder.objectType(type, {
    name,
    description,
    interfaces: [ErrorInterface],
    isTypeOf: (value) => value instanceof type,
    fields: (t) => ({
      ...(code === 'INVALID_REQUEST'
        ? { field: t.exposeString('field', { nullable: true, description: 'The input field at fault.' }) }
        : {}),
      ...(code === 'RATE_LIMITED'
        ? { retryAfterSeconds: t.exposeInt('retryAfterSeconds', { nullable: true, description: 'When to try again.' }) }
        : {}),
    }),
  });
  return type;
}

export const ERROR_TYPES = {
  INVALID_REQUEST: errorType(
    'InvalidRequestError',
    'INVALID_REQUEST',
    'The input is missing or not valid; `field` names it.',
  ),
  AUTH: errorType('AuthError', 'AUTH', 'The Bing cookie is missing, invalid or expired.'),
  PROMPT_REJECTED: errorType(
    'PromptRejectedError',
    'PROMPT_REJECTED',
    'Bing refused the prompt or its output (content policy, review).',
  ),
  UNSUPPORTED_LANGUAGE: errorType(
    'UnsupportedLanguageError',
    'UNSUPPORTED_LANGUAGE',
    'Bing does not support the language of the prompt.',
  ),
  RATE_LIMITED: errorType(
    'RateLimitedError',
    'RATE_LIMITED',
    "A limit was reached: the Bing quota, throttling, or this server's limits.",
  ),
  UPSTREAM: errorType('UpstreamError', 'UPSTREAM', 'Bing failed, was unreachable or answered something unreadable.'),
  TIMEOUT: errorType('TimeoutError', 'TIMEOUT', 'Bing did not finish before the deadline.'),
} as const;

export const GENERATION_ERRORS = Object.values(ERROR_TYPES);

/** Runs a mutation's work, turning expected failures into their union member and the rest into a masked error. */
export async function asResult<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const failure = ServiceError.from(error);
    const type = failure.code in ERROR_TYPES ? ERROR_TYPES[failure.code as keyof typeof ERROR_TYPES] : undefined;
    if (type) throw new type(failure);
    if (failure.code === 'NOT_FOUND') throw new GraphQLError(failure.message, { extensions: { code: 'NOT_FOUND' } });
    throw error;
  }
}
