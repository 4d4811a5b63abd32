/**
 * The limits a generation passes, held in Redis so that they bind the whole cluster: the caller's rate
 * (a token bucket), the caller's generations in flight, and the room in the queue. In flight and queued
 * generations are leases in sorted sets, scored by when they lapse (the task's deadline and a margin), so
 * an instance that dies while holding some cannot leak them: the next admission drops every lapsed lease.
 * Time is Redis's own (TIME), so instances with skewed clocks agree.
 */
import type { Redis } from 'ioredis';
import { ServiceError } from '../tasks/errors.js';
import { redisMessage } from './redis.js';

export interface SharedLimits {
  /** Generation requests per minute, per caller. */
  perMinute: number;
  /** Generations in flight (queued or processing), per caller. */
  inFlightPerKey: number;
  /** Generations Bing runs at once across the cluster. */
  inFlight: number;
  /** Generations that may wait for a slot across the cluster. */
  queueMax: number;
  /** Subscriptions open, per caller, across the cluster. */
  subscriptionsPerKey: number;
}

/** A lease outlives its task's deadline by this much, for the last poll and the final write. */
export const LEASE_MARGIN_MS = 60_000;

/**
 * KEYS: rate bucket, the caller's leases, the cluster's leases.
 * ARGV: perMinute, inFlightPerKey, inFlight, queueMax, taskId, lease end (epoch ms).
 * Returns {0, slotFree} when admitted, {1, retry seconds} for the rate, {2} for in flight, {3} for the queue.
 */
const ADMIT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local perMinute, perKey, inFlight, queueMax = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(bucket[1]) or perMinute
local at = tonumber(bucket[2]) or now
tokens = math.min(perMinute, tokens + (now - at) * perMinute / 60000)
if tokens < 1 then
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
  redis.call('PEXPIRE', KEYS[1], 120000)
  return {1, math.max(1, math.ceil((1 - tokens) * 60 / perMinute))}
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens - 1), 'at', now)
redis.call('PEXPIRE', KEYS[1], 120000)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZCARD', KEYS[2]) >= perKey then return {2} end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
local held = redis.call('ZCARD', KEYS[3])
if held >= inFlight + queueMax then return {3} end
redis.call('ZADD', KEYS[2], ARGV[6], ARGV[5])
redis.call('PEXPIREAT', KEYS[2], redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')[2])
redis.call('ZADD', KEYS[3], ARGV[6], ARGV[5])
return {0, held < inFlight and 1 or 0}`;

/** KEYS: the caller's leases, the cluster's leases. ARGV: taskId. */
const RELEASE = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1`;

export function unavailable(error: unknown): ServiceError {
  if (error instanceof ServiceError) return error;
  return new ServiceError(
    'UNAVAILABLE',
    `The cluster's Redis cannot be reached (${redisMessage(error)}), so no generation can start. Nothing was sent to Bing; try again in a moment.`,
    { retryAfterSeconds: 5 },
  );
}

type Script = (...args: Array<string | number>) => Promise<unknown>;

export class ClusterLimits {
  readonly #limits: SharedLimits;
  readonly #prefix: string;
  readonly #admit: Script;
  readonly #release: Script;

  /** `redis` fails fast while disconnected: an admission never waits for Redis to come back. */
  constructor(redis: Redis, prefix: string, limits: SharedLimits) {
    this.#limits = limits;
    this.#prefix = prefix;
    redis.defineCommand('bic_admit', { numberOfKeys: 3, lua: ADMIT });
    redis.defineCommand('bic_release', { numberOfKeys: 2, lua: RELEASE });
    const commands = redis as unknown as Record<string, Script>;
    this.#admit = (...values) => commands.bic_admit!.apply(redis, values);
    this.#release = (...values) => commands.bic_release!.apply(redis, values);
  }

  #keys(client: string): [string, string, string] {
    return [`${this.#prefix}:rate:${client}`, `${this.#prefix}:held:${client}`, `${this.#prefix}:held`];
  }

  /**
   * Admits a generation for `client`, or throws RATE_LIMITED (a limit) or UNAVAILABLE (no Redis). The lease
   * lasts until `release` or `deadlineAt` and a margin. `slotFree` says a Bing slot was free at admission.
   */
  async admit(client: string, taskId: string, deadlineAt: number): Promise<{ slotFree: boolean }> {
    const { perMinute, inFlightPerKey, inFlight, queueMax } = this.#limits;
    let answer: number[];
    try {
      answer = (await this.#admit(
        ...this.#keys(client),
        perMinute,
        inFlightPerKey,
        inFlight,
        queueMax,
        taskId,
        deadlineAt + LEASE_MARGIN_MS,
      )) as number[];
    } catch (error) {
      throw unavailable(error);
    }
    switch (answer[0]) {
      case 0:
        return { slotFree: answer[1] === 1 };
      case 1:
        throw new ServiceError('RATE_LIMITED', `Too many generation requests: the limit is ${perMinute} a minute.`, {
          retryAfterSeconds: answer[1] ?? 60,
        });
      case 2:
        throw new ServiceError(
          'RATE_LIMITED',
          `Too many generations in flight: the limit is ${inFlightPerKey} at a time.`,
          {
            retryAfterSeconds: 5,
          },
        );
      default:
        throw new ServiceError(
          'RATE_LIMITED',
          'The server is busy: every generation slot is taken and the queue is full.',
          {
            retryAfterSeconds: 10,
          },
        );
    }
  }

  /** Ends the lease; a lease already lapsed or released is a no-op. */
  async release(client: string, taskId: string): Promise<void> {
    const [, mine, all] = this.#keys(client);
    await this.#release(mine, all, taskId);
  }
}
