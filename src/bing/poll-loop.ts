/**
 * Waiting for a generation: poll on the schedule until a result, a failure or the deadline. Failed polls
 * (network, 5xx, unreadable answers) are retried with jittered backoff, since a poll is idempotent.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BingError } from './errors.js';
import type { GenerationKind } from './protocol.js';
import type { PollScheduler } from './schedule.js';
import type { Watch } from './watch.js';

export type PollState<T> = { state: 'pending' } | { state: 'partial' } | { state: 'done'; value: T };

export interface PollLoop<T> {
  kind: GenerationKind;
  submittedAt: number;
  deadlineAt: number;
  schedule: PollScheduler;
  /** Consecutive failed polls tolerated before the generation fails. */
  retries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** One poll; its signal aborts at the deadline or when the watcher cancels. */
  poll: (signal: AbortSignal) => Promise<PollState<T>>;
  watch: Watch;
}

export interface PollOutcome<T> {
  value: T;
  polls: number;
  completedAt: number;
}

const MAX_TIMER_MS = 2_147_483_647;

function jitteredBackoff(attempt: number, baseMs: number, maxMs: number): number {
  return Math.random() * Math.min(maxMs, baseMs * 2 ** attempt);
}

export async function pollUntilDone<T>(loop: PollLoop<T>): Promise<PollOutcome<T>> {
  const { kind, submittedAt, deadlineAt, schedule, watch } = loop;
  const emit = watch.onEvent ?? (() => undefined);
  const timeout = (): BingError =>
    new BingError(
      'TIMEOUT',
      `Bing did not finish the ${kind.startsWith('VIDEO') ? 'video' : 'images'} within ${Math.round((deadlineAt - submittedAt) / 1000)} s.`,
    );
  let polls = 0;
  let failures = 0;
  /** When the last poll that found the generation still running was sent (0: none yet). */
  let notBefore = 0;
  let delay = schedule.nextDelay(kind, Date.now() - submittedAt);
  try {
    for (;;) {
      const remaining = deadlineAt - Date.now();
      if (remaining <= 0) throw timeout();
      await sleep(Math.max(0, Math.min(delay, remaining)), undefined, { signal: watch.signal });
      if (Date.now() >= deadlineAt) throw timeout();
      polls += 1;
      const sentAt = Date.now();
      emit({ type: 'poll', attempt: polls, at: sentAt });
      try {
        const state = await beforeDeadline(deadlineAt, watch.signal, timeout, loop.poll);
        failures = 0;
        if (state.state === 'done') {
          const completedAt = Date.now();
          schedule.observe(kind, completedAt - submittedAt, notBefore);
          emit({ type: 'completed', at: completedAt });
          return { value: state.value, polls, completedAt };
        }
        notBefore = sentAt - submittedAt;
        if (state.state === 'partial') emit({ type: 'partial', at: Date.now() });
        delay = schedule.nextDelay(kind, Date.now() - submittedAt);
      } catch (error) {
        if (!(error instanceof BingError) || !error.retryable || failures >= loop.retries) throw error;
        failures += 1;
        delay = Math.max(
          jitteredBackoff(failures - 1, loop.retryBaseMs, loop.retryMaxMs),
          (error.retryAfterSeconds ?? 0) * 1000,
        );
        // Told to wait past the deadline: the throttling is the answer, not a timeout later.
        if (error.retryAfterSeconds !== undefined && Date.now() + delay >= deadlineAt) throw error;
        emit({ type: 'retry', attempt: failures, error, delayMs: delay, at: Date.now() });
      }
    }
  } catch (error) {
    if (error instanceof BingError) emit({ type: 'failed', error, at: Date.now() });
    throw error;
  }
}

/**
 * Runs one poll so that it ends by the generation's deadline, however long its requests may take:
 * past the deadline it is aborted and the generation times out.
 */
async function beforeDeadline<T>(
  deadlineAt: number,
  signal: AbortSignal | undefined,
  timeout: () => BingError,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const bound = new AbortController();
  const forward = (): void => bound.abort(signal?.reason);
  signal?.addEventListener('abort', forward, { once: true });
  if (signal?.aborted) forward();
  let expired = false;
  // Capped to what a timer can hold; the request timeout ends any request long before that.
  const timer = setTimeout(
    () => {
      expired = true;
      bound.abort();
    },
    Math.min(Math.max(0, deadlineAt - Date.now()), MAX_TIMER_MS),
  );
  try {
    return await work(bound.signal);
  } catch (error) {
    if (expired && !signal?.aborted) throw timeout();
    throw error;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', forward);
  }
}
