import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resultImageNames, startSimulator, type Simulator } from '../../src/simulator/index.js';
import { bingImage, Clients, failure, recorder, timed, TIME_SCALE } from './harness.js';

let sim: Simulator;
const clients = new Clients(() => sim);

beforeAll(async () => {
  sim = await startSimulator({ timeScale: TIME_SCALE });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());
afterEach(() => clients.closeAll());

const DALLE = { model: 'DALLE', aspect: 'SQUARE' } as const;

describe('polls that fail, then recover', () => {
  it('5xx answers are retried with backoff until the result comes', async () => {
    const client = clients.make();
    const { events, watch } = recorder();
    const result = await client.createImage({ ...DALLE, prompt: 'a cat [sim:poll5xx=3] [sim:ms=20]' }, watch);
    expect(result.images).toEqual(resultImageNames(sim.jobs.get(result.requestId)!).map(bingImage));
    const retries = events.filter((e) => e.type === 'retry');
    expect(retries.map((e) => e.type === 'retry' && [e.attempt, e.error.code, e.error.retryable])).toEqual([
      [1, 'UPSTREAM', true],
      [2, 'UPSTREAM', true],
      [3, 'UPSTREAM', true],
    ]);
    expect(result.polls).toBe(4);
  });

  it('a dropped connection is retried', async () => {
    const client = clients.make();
    const { events, watch } = recorder();
    const result = await client.createImage({ ...DALLE, prompt: 'a cat [sim:drop=2] [sim:ms=20]' }, watch);
    expect(result.images).toHaveLength(4);
    expect(events.filter((e) => e.type === 'retry')).toHaveLength(2);
    expect(sim.submits()).toHaveLength(1);
  });

  it('more consecutive failures than pollRetries end the generation', async () => {
    const client = clients.make({ pollRetries: 2 });
    const error = await failure(client.createImage({ ...DALLE, prompt: 'a cat [sim:poll5xx=5] [sim:ms=20]' }));
    expect(error.code).toBe('UPSTREAM');
    expect(error.message).toMatch(/HTTP 50\d/);
    expect(sim.polls()).toHaveLength(3);
    expect(sim.submits()).toHaveLength(1);
  });

  it('a garbage body → UPSTREAM after the retries, never resubmitted', async () => {
    const client = clients.make({ pollRetries: 3 });
    const { watch, types } = recorder();
    const error = await failure(client.createImage({ ...DALLE, prompt: 'a cat [sim:garbage] [sim:ms=0]' }, watch));
    expect(error.code).toBe('UPSTREAM');
    expect(error.message).toMatch(/cannot read/);
    expect(types().filter((t) => t === 'retry')).toHaveLength(3);
    expect(sim.polls()).toHaveLength(4);
    expect(sim.submits()).toHaveLength(1);
    expect(types().at(-1)).toBe('failed');
  });
});

describe('throttling and deadlines', () => {
  it('429 on a poll waits for Retry-After; when that is past the deadline it fails at once with RATE_LIMITED', async () => {
    const client = clients.make({ imageDeadlineMs: 5_000 });
    const { ms, result } = await timed(client.createImage({ ...DALLE, prompt: 'a cat [sim:poll429] [sim:ms=0]' }));
    expect(result.status).toBe('rejected');
    const error = await failure(Promise.reject((result as PromiseRejectedResult).reason));
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.retryAfterSeconds).toBe(30);
    expect(sim.polls()).toHaveLength(1);
    expect(ms).toBeLessThan(1_000);
  });

  it('a generation that never finishes → TIMEOUT at its deadline, not a hang', async () => {
    const client = clients.make({ imageDeadlineMs: 500 });
    const { watch, types } = recorder();
    const { ms, result } = await timed(client.createImage({ ...DALLE, prompt: 'a cat [sim:never]' }, watch));
    expect(result.status).toBe('rejected');
    const error = (result as PromiseRejectedResult).reason as { code: string; message: string };
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toMatch(/within/);
    expect(ms).toBeGreaterThanOrEqual(450);
    expect(ms).toBeLessThan(900);
    expect(types().filter((t) => t === 'poll').length).toBeGreaterThan(5);
    expect(types().at(-1)).toBe('failed');
  });

  it('a poll slower than requestTimeoutMs is cut off: TIMEOUT after the retries', async () => {
    const client = clients.make({ requestTimeoutMs: 150, pollRetries: 1 });
    const { ms, result } = await timed(client.createImage({ ...DALLE, prompt: 'a cat [sim:slow=3000] [sim:ms=0]' }));
    const error = await failure(Promise.reject((result as PromiseRejectedResult).reason));
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toMatch(/did not answer/);
    expect(sim.polls()).toHaveLength(2);
    expect(ms).toBeLessThan(1_000);
  });

  it('a slow poll cannot carry a generation past its deadline', async () => {
    const client = clients.make({ requestTimeoutMs: 5_000, imageDeadlineMs: 400 });
    const { ms, result } = await timed(client.createImage({ ...DALLE, prompt: 'a cat [sim:slow=3000] [sim:ms=0]' }));
    const error = await failure(Promise.reject((result as PromiseRejectedResult).reason));
    expect(error.code).toBe('TIMEOUT');
    expect(ms).toBeLessThan(800);
  });
});

describe('cancellation', () => {
  it('an AbortSignal ends a wait between polls at once', async () => {
    const client = clients.make();
    const controller = new AbortController();
    const { watch, types } = recorder(controller.signal);
    const running = timed(client.createImage({ ...DALLE, prompt: 'a cat [sim:never]' }, watch));
    setTimeout(() => controller.abort(), 200);
    const { ms, result } = await running;
    expect(result.status).toBe('rejected');
    expect((result as PromiseRejectedResult).reason).toMatchObject({ name: 'AbortError' });
    expect(ms).toBeLessThan(350);
    expect(types()).not.toContain('failed');
    const polls = sim.polls().length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sim.polls()).toHaveLength(polls);
  });

  it('an AbortSignal ends a request in flight at once', async () => {
    const client = clients.make({ requestTimeoutMs: 5_000 });
    const controller = new AbortController();
    const running = timed(
      client.createImage({ ...DALLE, prompt: 'a cat [sim:slow=3000] [sim:ms=0]' }, { signal: controller.signal }),
    );
    while (sim.polls().length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const abortedAt = performance.now();
    controller.abort();
    const { result } = await running;
    expect(result.status).toBe('rejected');
    expect((result as PromiseRejectedResult).reason).toMatchObject({ name: 'AbortError' });
    expect(performance.now() - abortedAt).toBeLessThan(100);
  });

  it('an already aborted signal sends nothing', async () => {
    const client = clients.make();
    const error = await client
      .createImage({ ...DALLE, prompt: 'a cat' }, { signal: AbortSignal.abort() })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AbortError' });
    expect(sim.requests).toHaveLength(0);
  });
});

describe('connections', () => {
  it('50 concurrent generations never open more sockets than configured', async () => {
    const client = clients.make({ connections: 4 });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        client.createImage({
          model: i % 2 ? 'DALLE' : 'MAI1',
          aspect: 'SQUARE',
          prompt: `cat ${i} [sim:ms=${20 + (i % 7) * 15}]`,
        }),
      ),
    );
    expect(results.every((r) => r.images.length >= 1)).toBe(true);
    expect(sim.submits()).toHaveLength(50);
    const { peak, limit } = client.stats().connections;
    expect(limit).toBe(4);
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(4);
  });
});
