/**
 * The limits a generation passes before anything is recorded or sent: the caller's rate and in-flight
 * count, then a Bing slot now or room in the queue. Each grant comes with its release.
 */
import { Counters } from '../limits/counters.js';
import { Slots, type Release } from '../limits/slots.js';
import { TokenBuckets } from '../limits/token-bucket.js';
import { ServiceError } from './errors.js';
import type { Caller } from './task.js';

export interface ServiceLimits {
  /** Generation requests per minute, per caller. */
  perMinute: number;
  /** Generations in flight (queued or processing), per caller. */
  inFlightPerKey: number;
  /** Subscriptions open, per caller. */
  subscriptionsPerKey: number;
  /** Generations Bing runs at once: this many per configured account. */
  inFlight: number;
  /** Generations that may wait for a slot; past this, callers get RATE_LIMITED. */
  queueMax: number;
}

export function clientOf(caller: Caller): string {
  return caller.client ?? caller.owner ?? 'anonymous';
}

export class Admission {
  readonly #perMinute: number;
  readonly #rate: TokenBuckets;
  readonly #inFlight: Counters;
  readonly #subscriptions: Counters;
  readonly #slots: Slots;

  constructor(limits: ServiceLimits) {
    this.#perMinute = limits.perMinute;
    this.#rate = new TokenBuckets(limits.perMinute);
    this.#inFlight = new Counters(limits.inFlightPerKey);
    this.#subscriptions = new Counters(limits.subscriptionsPerKey);
    this.#slots = new Slots(limits.inFlight, limits.queueMax);
  }

  /**
   * Admits a new generation or throws RATE_LIMITED. `release` frees the caller's in-flight count; `slot`
   * is a Bing slot held now, or undefined when the generation must wait in the queue (there is room).
   */
  generation(caller: Caller): { release: Release; slot: Release | undefined } {
    const client = clientOf(caller);
    const wait = this.#rate.take(client);
    if (wait > 0) {
      throw new ServiceError(
        'RATE_LIMITED',
        `Too many generation requests: the limit is ${this.#perMinute} a minute.`,
        {
          retryAfterSeconds: wait,
        },
      );
    }
    const release = this.#inFlight.tryHold(client);
    if (!release) {
      throw new ServiceError(
        'RATE_LIMITED',
        `Too many generations in flight: the limit is ${this.#inFlight.limit} at a time.`,
        {
          retryAfterSeconds: 5,
        },
      );
    }
    const slot = this.#slots.tryAcquire();
    if (!slot && !this.#slots.canQueue()) {
      release();
      throw new ServiceError(
        'RATE_LIMITED',
        'The server is busy: every generation slot is taken and the queue is full.',
        {
          retryAfterSeconds: 10,
        },
      );
    }
    return { release, slot };
  }

  /** Waits in the queue for a Bing slot; rejects when the signal aborts first. */
  slot(signal: AbortSignal): Promise<Release> {
    return this.#slots.acquire(signal);
  }

  /** A slot for a generation resumed at start: Bing is already running it, so capacity does not apply. */
  resumedSlot(): Release {
    return this.#slots.force();
  }

  /** Generations waiting for a Bing slot now, over every caller (a metrics gauge). */
  queued(): number {
    return this.#slots.waiting;
  }

  /** Holds one of the caller's subscriptions open, or throws RATE_LIMITED. */
  subscription(caller: Caller): Release {
    const release = this.#subscriptions.tryHold(clientOf(caller));
    if (!release) {
      throw new ServiceError(
        'RATE_LIMITED',
        `Too many subscriptions open: the limit is ${this.#subscriptions.limit}.`,
        {
          retryAfterSeconds: 5,
        },
      );
    }
    return release;
  }
}
