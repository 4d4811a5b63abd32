/**
 * The stacks the fuzz tests run against, how many runs each property makes, and the checks made after
 * each batch: the server still answers, logged no error, and (at the end) let go of its memory.
 */
import { expect } from 'vitest';
import { startStack, type Stack } from '../../support/stack.js';
import { exchange } from './http.js';

/** Runs per property: 300 in the ordinary test run, FUZZ_RUNS=20000 for `npm run fuzz`. */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 300);

/** A deadline for a property of `FUZZ_RUNS` runs, each worth at most `msPerRun` on average. */
export const fuzzTimeout = (msPerRun = 25) => 30_000 + FUZZ_RUNS * msPerRun;

export const KEYS = ['fuzz-key-alpha-7f3e9c51', 'fuzz-key-beta-12ab34cd'] as const;

export const SETUPS = [
  { name: 'with API keys', keys: KEYS as readonly string[] },
  { name: 'without keys', keys: [] as readonly string[] },
];

/** Every generation the simulator runs takes 1 ms (100 ms at the stack's time scale), whatever the prompt. */
const INSTANT = { minMs: 100, maxMs: 100 };

export function startFuzzStack(keys: readonly string[]): Promise<Stack> {
  return startStack({
    sim: { durations: { DALLE: INSTANT, GPT4O: INSTANT, MAI1: INSTANT, VIDEO: INSTANT } },
    env: {
      ...(keys.length ? { API_KEYS: keys.join(',') } : {}),
      MAX_BODY_SIZE: '65536',
      IMAGE_DEADLINE: '5s',
      VIDEO_DEADLINE: '5s',
      LOG_LEVEL: 'warn',
    },
  });
}

/** Log lines at level error (50) or above: bad input must never get that far. */
export function errorLines(stack: Stack): string[] {
  return stack.logs.filter((line) => (JSON.parse(line) as { level: number }).level >= 50);
}

/** After a batch: the server still answers GET /health with its success envelope, and logged no error. */
export async function expectHealthy(stack: Stack): Promise<void> {
  const answer = await exchange(stack.url, { method: 'GET', path: '/health' }, 5_000);
  expect(answer.status).toBe(200);
  expect(JSON.parse(answer.body.toString('utf8'))).toMatchObject({ success: true, data: { status: 'ok' } });
  const errors = errorLines(stack);
  // Each batch answers for its own lines (and the captured log does not grow with the number of runs).
  stack.logs.length = 0;
  expect(errors).toEqual([]);
}

/**
 * Heap growth allowed over one fuzz stack's batches, measured with `settledHeap()` (collected, then
 * collected again) after the warm-up and after the last batch. Generous, because V8 and the libraries
 * keep caches of their own: it catches what grows with the number of requests. At the 300 runs of the
 * ordinary test run that is a leak of tens of KB a request (as Yoga's document caches were); at the
 * 20 000 of `npm run fuzz`, one of a few hundred bytes.
 */
export const HEAP_GROWTH_LIMIT_MB = 50;
