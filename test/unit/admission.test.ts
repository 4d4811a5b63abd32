/** tasks/admission.ts: what a generation and a subscription pass, in order. */
import { describe, expect, it } from 'vitest';
import { Admission } from '../../src/tasks/admission.js';

const LIMITS = { perMinute: 3, inFlightPerKey: 2, subscriptionsPerKey: 1, inFlight: 1, queueMax: 1 };

describe('Admission', () => {
  it('gives a slot, then a place in the queue, then RATE_LIMITED with a retry time', () => {
    const admission = new Admission(LIMITS);
    const a = admission.generation({ owner: 'a', client: 'a' });
    expect(a.slot).toBeDefined();
    const b = admission.generation({ owner: 'b', client: 'b' });
    expect(b.slot).toBeUndefined();
    const abort = new AbortController();
    const waiting = admission.slot(abort.signal);
    expect(() => admission.generation({ owner: 'c', client: 'c' })).toThrow(
      expect.objectContaining({ code: 'RATE_LIMITED', retryAfterSeconds: 10 }),
    );
    a.slot!();
    return expect(waiting).resolves.toBeTypeOf('function');
  });

  it('counts in-flight generations and the rate per caller', () => {
    // The refused third request spent a token too: the fifth is the one past the rate.
    const admission = new Admission({ ...LIMITS, perMinute: 4, inFlight: 10 });
    const me = { owner: 'me', client: 'me' };
    const one = admission.generation(me);
    admission.generation(me);
    expect(() => admission.generation(me)).toThrow(
      expect.objectContaining({ code: 'RATE_LIMITED', retryAfterSeconds: 5 }),
    );
    one.release();
    admission.generation(me);
    expect(() => admission.generation(me)).toThrow(/a minute/);
  });

  it('bounds subscriptions per caller, anonymous callers counted together', () => {
    const admission = new Admission(LIMITS);
    const release = admission.subscription({ owner: null });
    expect(() => admission.subscription({ owner: null })).toThrow(expect.objectContaining({ code: 'RATE_LIMITED' }));
    release();
    expect(admission.subscription({ owner: null })).toBeTypeOf('function');
  });
});
