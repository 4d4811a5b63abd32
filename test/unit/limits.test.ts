/** limits/: token buckets, per-key counters, Bing slots with their bounded queue. */
import { describe, expect, it } from 'vitest';
import { Counters } from '../../src/limits/counters.js';
import { Slots } from '../../src/limits/slots.js';
import { TokenBuckets } from '../../src/limits/token-bucket.js';

describe('TokenBuckets', () => {
  it('grants the limit per minute per key, then says how long to wait, and refills', () => {
    const buckets = new TokenBuckets(2);
    const t = 1_000_000;
    expect(buckets.take('a', t)).toBe(0);
    expect(buckets.take('a', t)).toBe(0);
    expect(buckets.take('a', t)).toBe(30);
    expect(buckets.take('b', t)).toBe(0);
    expect(buckets.take('a', t + 30_000)).toBe(0);
  });
});

describe('Counters', () => {
  it('holds up to the limit per key; a release frees one, once', () => {
    const counters = new Counters(1);
    const release = counters.tryHold('a')!;
    expect(counters.tryHold('a')).toBeUndefined();
    expect(counters.tryHold('b')).toBeDefined();
    release();
    release();
    expect(counters.tryHold('a')).toBeDefined();
    expect(counters.tryHold('a')).toBeUndefined();
  });
});

describe('Slots', () => {
  it('grants in turn, queues up to its bound, and lets an aborted waiter go', async () => {
    const slots = new Slots(1, 1);
    const first = slots.tryAcquire()!;
    expect(slots.tryAcquire()).toBeUndefined();
    expect(slots.canQueue()).toBe(true);
    const abort = new AbortController();
    const gone = slots.acquire(abort.signal);
    expect(slots.canQueue()).toBe(false);
    abort.abort(new Error('deadline'));
    await expect(gone).rejects.toThrow('deadline');
    const next = slots.acquire(new AbortController().signal);
    first();
    const second = await next;
    expect(slots.tryAcquire()).toBeUndefined();
    second();
    expect(slots.tryAcquire()).toBeDefined();
  });

  it('forces a slot past capacity for a resumed generation', () => {
    const slots = new Slots(1, 0);
    slots.tryAcquire();
    const forced = slots.force();
    expect(slots.tryAcquire()).toBeUndefined();
    forced();
  });
});
