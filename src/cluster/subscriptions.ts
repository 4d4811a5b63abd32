/**
 * The per-key subscription limit across the cluster. Each open subscription is a lease in the key's sorted
 * set, scored by when it lapses; the instance that holds it renews its leases while they stay open, so an
 * instance that dies leaks none of them: they lapse within one lease period and the next hold drops them.
 * Time is Redis's own (TIME), so instances with skewed clocks agree.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ServiceError } from '../tasks/errors.js';
import { unavailable } from './limits.js';

/** How long a lease lasts unless renewed; renewed three times in that span. */
export const SUBSCRIPTION_LEASE_MS = 30_000;

/** KEYS: the key's leases. ARGV: limit, member, lease ms. Returns 1 when held, 0 at the limit. */
const HOLD = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1`;

/** KEYS: the key's leases. ARGV: lease ms, then the members to renew. */
const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ms = tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], now + ms, ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ms)
return 1`;

type Script = (...args: Array<string | number>) => Promise<unknown>;

export class ClusterSubscriptions {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #limit: number;
  readonly #leaseMs: number;
  readonly #hold: Script;
  readonly #renew: Script;
  /** This instance's open leases, by client. */
  readonly #held = new Map<string, Set<string>>();
  #timer: NodeJS.Timeout | undefined;

  constructor(redis: Redis, prefix: string, limit: number, leaseMs = SUBSCRIPTION_LEASE_MS) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#limit = limit;
    this.#leaseMs = leaseMs;
    redis.defineCommand('bic_sub_hold', { numberOfKeys: 1, lua: HOLD });
    redis.defineCommand('bic_sub_renew', { numberOfKeys: 1, lua: RENEW });
    const commands = redis as unknown as Record<string, Script>;
    this.#hold = (...values) => commands.bic_sub_hold!.apply(redis, values);
    this.#renew = (...values) => commands.bic_sub_renew!.apply(redis, values);
  }

  #key(client: string): string {
    return `${this.#prefix}:subs:${client}`;
  }

  /** Holds one of `client`'s subscriptions, or throws RATE_LIMITED (the limit) or UNAVAILABLE (no Redis). */
  async hold(client: string): Promise<() => void> {
    const member = randomUUID();
    let answer: unknown;
    try {
      answer = await this.#hold(this.#key(client), this.#limit, member, this.#leaseMs);
    } catch (error) {
      throw unavailable(error);
    }
    if (answer !== 1) {
      throw new ServiceError('RATE_LIMITED', `Too many subscriptions open: the limit is ${this.#limit}.`, {
        retryAfterSeconds: 5,
      });
    }
    const mine = this.#held.get(client) ?? new Set<string>();
    mine.add(member);
    this.#held.set(client, mine);
    this.#schedule();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      mine.delete(member);
      if (mine.size === 0) this.#held.delete(client);
      if (this.#held.size === 0) this.#unschedule();
      // A release that cannot reach Redis lets the lease lapse instead.
      this.#release(client, member).catch(() => undefined);
    };
  }

  #release(client: string, member: string): Promise<unknown> {
    return this.#redis.zrem(this.#key(client), member);
  }

  #schedule(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.#renewAll(), Math.round(this.#leaseMs / 3));
    this.#timer.unref();
  }

  #unschedule(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #renewAll(): Promise<void> {
    await Promise.allSettled(
      [...this.#held].map(([client, members]) => this.#renew(this.#key(client), this.#leaseMs, ...members)),
    );
  }

  /** At stop: no more renewals; the leases of subscriptions still open lapse on their own. */
  close(): void {
    this.#unschedule();
    this.#held.clear();
  }
}
