/**
 * A generation source in memory for the service's unit tests: each submit and wait is a deferred the test
 * settles, so every step of a generation happens when the test says, and no clock is involved.
 */
import pino from 'pino';
import { GenerationError } from '../../../src/tasks/errors.js';
import type {
  GenerationWatch,
  Generations,
  ImageOutcome,
  Resume,
  SessionState,
  Submitted,
  VideoOutcome,
} from '../../../src/tasks/generations.js';
import type { ImageInput, VideoInput } from '../../../src/tasks/task.js';

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** One call the service made, waiting for the test to settle it. */
export interface Call<T> {
  kind: 'submitImage' | 'submitVideo' | 'waitForImage' | 'waitForVideo';
  input: ImageInput | VideoInput;
  resume?: Resume;
  watch: GenerationWatch;
  settle: Deferred<T>;
}

export class FakeGenerations implements Generations {
  readonly calls: Call<unknown>[] = [];
  #submits = 0;
  #waiters: Array<() => void> = [];

  cookieSet(): boolean {
    return true;
  }

  videoAccounts(): Array<{ account: string; fastCreationsLeft: number | null }> {
    return [{ account: 'fake-account', fastCreationsLeft: null }];
  }

  boosts(): Array<{ account: string; known: boolean; remaining: number | null }> {
    return [{ account: 'fake-account', known: false, remaining: null }];
  }

  session(): SessionState {
    return 'active';
  }

  submitImage(input: ImageInput, watch: GenerationWatch): Promise<Submitted> {
    return this.#call('submitImage', input, watch);
  }

  submitVideo(input: VideoInput, watch: GenerationWatch): Promise<Submitted> {
    return this.#call('submitVideo', input, watch);
  }

  waitForImage(input: ImageInput, resume: Resume, watch: GenerationWatch): Promise<ImageOutcome> {
    return this.#call('waitForImage', input, watch, resume);
  }

  waitForVideo(input: VideoInput, resume: Resume, watch: GenerationWatch): Promise<VideoOutcome> {
    return this.#call('waitForVideo', input, watch, resume);
  }

  /** The next call of this kind not yet settled, once the service has made it. */
  async next<T = unknown>(kind: Call<unknown>['kind']): Promise<Call<T>> {
    for (;;) {
      const call = this.calls.find((c) => c.kind === kind && !(c as { taken?: boolean }).taken);
      if (call) {
        (call as { taken?: boolean }).taken = true;
        return call as Call<T>;
      }
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Accepts a submit as Bing would: reports it, then resolves with its id. */
  accept(call: Call<Submitted>): Submitted {
    const submitted = { requestId: `req-${++this.#submits}`, account: 'acct', submittedAt: Date.now() };
    call.watch.onEvent?.({ type: 'submitted', ...submitted, at: submitted.submittedAt });
    call.settle.resolve(submitted);
    return submitted;
  }

  #call<T>(kind: Call<T>['kind'], input: ImageInput | VideoInput, watch: GenerationWatch, resume?: Resume): Promise<T> {
    const settle = deferred<T>();
    // An abort at stop rejects the way the Bing client's does: with the signal's reason.
    watch.signal?.addEventListener('abort', () => settle.reject(watch.signal?.reason), { once: true });
    this.calls.push({ kind, input, watch, settle, ...(resume ? { resume } : {}) } as Call<unknown>);
    for (const wake of this.#waiters.splice(0)) wake();
    return settle.promise;
  }
}

export const refusal = () => new GenerationError('PROMPT_REJECTED', 'Bing refused the prompt.');

export const silent = pino({ level: 'silent' });
