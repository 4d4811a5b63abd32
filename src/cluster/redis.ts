/**
 * The cluster's Redis connections. Two kinds: commands that must fail fast while Redis is away (a new
 * generation is refused with UNAVAILABLE rather than held), and connections that may wait for Redis to come
 * back (pub/sub, BullMQ's blocking worker), which ioredis reconnects and resubscribes by itself.
 */
import { Redis, type RedisOptions } from 'ioredis';

export interface RedisSettings {
  url: string;
  /** Every key starts with `${prefix}:`, so several deployments can share one Redis. */
  prefix: string;
}

/** Reconnects forever: quickly at first, then every two seconds at most. */
const retryStrategy = (attempt: number) => Math.min(50 * 2 ** Math.min(attempt, 10), 2_000);

const COMMON: RedisOptions = {
  lazyConnect: true,
  retryStrategy,
  connectTimeout: 5_000,
  // The connection name shows in CLIENT LIST, which helps an operator tell the instances apart.
  connectionName: `bing-image-creator-${process.pid}`,
};

/** Fails every command at once while disconnected, instead of queueing it until Redis is back. */
export function commandConnection(settings: RedisSettings): Redis {
  return new Redis(settings.url, { ...COMMON, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
}

/**
 * Waits up to `deadlineMs` for Redis to answer, through a short outage: for the task store, whose writes from a
 * running generation should outlast a Redis restart rather than fail the generation.
 */
export function boundedConnection(settings: RedisSettings, deadlineMs: number): Redis {
  return new Redis(settings.url, { ...COMMON, maxRetriesPerRequest: null, commandTimeout: deadlineMs });
}

/** Waits for Redis however long it is away: for subscribers and BullMQ workers, which must outlive an outage. */
export function waitingConnection(settings: RedisSettings): Redis {
  return new Redis(settings.url, { ...COMMON, maxRetriesPerRequest: null });
}

/** The password of a Redis URL, so that the logs can leave it out. */
export function redisSecrets(url: string): string[] {
  try {
    const { password } = new URL(url);
    return password ? [password, decodeURIComponent(password)] : [];
  } catch {
    return [];
  }
}

/** An ioredis error without the parts that may quote the URL or a command's arguments. */
export function redisMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0]!.slice(0, 200);
}
