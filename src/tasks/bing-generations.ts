/**
 * The Bing client behind the service's generation port, and the one place Bing's error codes become the
 * API's. The only file of tasks/ that knows bing/.
 */
import type { BingClient } from '../bing/client.js';
import { BingError, type BingErrorCode } from '../bing/errors.js';
import { GenerationError } from './errors.js';
import type { Generations } from './generations.js';
import type { ErrorCode } from './task.js';

/** Typed both ways: a code Bing adds fails the build here until it is given its public name. */
export const FROM_BING: Record<BingErrorCode, ErrorCode> = {
  INVALID_REQUEST: 'INVALID_REQUEST',
  AUTH: 'AUTH',
  PROMPT_REJECTED: 'PROMPT_REJECTED',
  UNSUPPORTED_LANGUAGE: 'UNSUPPORTED_LANGUAGE',
  RATE_LIMITED: 'RATE_LIMITED',
  UPSTREAM: 'UPSTREAM',
  TIMEOUT: 'TIMEOUT',
};

function translated(error: unknown): unknown {
  if (!(error instanceof BingError)) return error;
  return new GenerationError(FROM_BING[error.code], error.message, {
    retryAfterSeconds: error.retryAfterSeconds,
    cause: error,
  });
}

async function mapped<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw translated(error);
  }
}

export function bingGenerations(client: BingClient): Generations {
  return {
    submitImage: (input, watch) => mapped(client.submitImage(input, watch)),
    waitForImage: (input, submitted, watch) => mapped(client.waitForImage(input, submitted, watch)),
    submitVideo: (input, watch) => mapped(client.submitVideo(input, watch)),
    waitForVideo: (input, submitted, watch) => mapped(client.waitForVideo(input, submitted, watch)),
    cookieSet: () => client.cookieSet(),
    session: () => client.session(),
    videoAccounts: () => client.fastCreationsLeft(),
    boosts: () => client.boosts(),
  };
}
