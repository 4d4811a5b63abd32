/**
 * Cluster mode: the task store, the task events and the generation queue on one Redis, shared by every
 * instance with the same REDIS_URL and REDIS_PREFIX. Built only when REDIS_URL is set.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RedisTaskEvents } from './events.js';
import { ClusterJobs } from './jobs.js';
import type { SharedLimits } from './limits.js';
import { boundedConnection, commandConnection, redisMessage, waitingConnection, type RedisSettings } from './redis.js';
import { RedisTaskStore } from './task-store.js';

export interface ClusterOptions {
  redisUrl: string;
  prefix: string;
  lockMs: number;
  limits: SharedLimits;
  log: Logger;
}

export interface Readiness {
  ready: boolean;
  redis: 'connected' | 'unreachable';
  /** Why not, when not. */
  error?: string;
}

/** How long a store call may wait for Redis to come back before it fails with UNAVAILABLE. */
const STORE_DEADLINE_MS = 10_000;
const PING_TIMEOUT_MS = 1_000;
const CONNECT_TIMEOUT_MS = 5_000;

/** Resolves true once `connection` is ready (connecting it if nothing has yet), false after `ms`. */
function whenReady(connection: Redis, ms: number): Promise<boolean> {
  if (connection.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      connection.off('ready', onReady);
      resolve(ok);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), ms);
    connection.on('ready', onReady);
    // Already connecting when a command was sent before this; ioredis then refuses a second connect.
    if (connection.status === 'wait') connection.connect().catch(() => undefined);
  });
}

export class Cluster {
  readonly store: RedisTaskStore;
  readonly events: RedisTaskEvents;
  readonly queue: ClusterJobs;
  readonly #connections: Redis[];
  readonly #commands: Redis;
  readonly #log: Logger;

  constructor(options: ClusterOptions) {
    const settings: RedisSettings = { url: options.redisUrl, prefix: options.prefix };
    this.#log = options.log;
    this.#commands = commandConnection(settings);
    const store = boundedConnection(settings, STORE_DEADLINE_MS);
    const subscriber = waitingConnection(settings);
    const worker = waitingConnection(settings);
    this.#connections = [this.#commands, store, subscriber, worker];
    // Reported once per outage, not once per reconnection attempt.
    let down = false;
    for (const connection of this.#connections) {
      connection.on('error', (error) => {
        if (down) return;
        down = true;
        options.log.warn(
          { error: redisMessage(error) },
          'Redis cannot be reached; new generations fail with UNAVAILABLE until it is back',
        );
      });
      connection.on('ready', () => {
        if (!down) return;
        down = false;
        options.log.info('Redis is reachable again');
      });
    }
    this.store = new RedisTaskStore(store, options.prefix);
    this.events = new RedisTaskEvents(
      this.#commands,
      subscriber,
      options.prefix,
      (id) => this.store.get(id),
      options.log,
    );
    this.queue = new ClusterJobs(this.#commands, worker, {
      prefix: options.prefix,
      limits: options.limits,
      lockMs: options.lockMs,
      log: options.log,
    });
  }

  /**
   * Connects every connection and waits until each is ready. A Redis that is away at start is not fatal:
   * each connection keeps trying, new generations fail with UNAVAILABLE meanwhile, and /readyz says so.
   */
  async connect(): Promise<void> {
    const ready = await Promise.all(this.#connections.map((connection) => whenReady(connection, CONNECT_TIMEOUT_MS)));
    if (ready.every(Boolean)) await this.#checkSettings();
    else
      this.#log.warn(
        'Redis cannot be reached at start; the instance keeps trying, and takes new generations once it is back',
      );
  }

  /** A Redis that would lose acknowledged tasks or evict queue keys is worth a warning at start. */
  async #checkSettings(): Promise<void> {
    try {
      const [, aof] = (await this.#commands.config('GET', 'appendonly')) as string[];
      const [, fsync] = (await this.#commands.config('GET', 'appendfsync')) as string[];
      const [, policy] = (await this.#commands.config('GET', 'maxmemory-policy')) as string[];
      if (aof !== 'yes' || fsync !== 'always') {
        this.#log.warn(
          { appendonly: aof, appendfsync: fsync },
          'Redis is not durable per write: set appendonly yes and appendfsync always, or a crash of Redis can lose acknowledged tasks',
        );
      }
      if (policy !== 'noeviction') {
        this.#log.warn(
          { maxmemoryPolicy: policy },
          'Redis may evict keys: set maxmemory-policy noeviction, or queued generations can vanish',
        );
      }
    } catch {
      // A managed Redis may refuse CONFIG; nothing to check then.
    }
  }

  async readiness(): Promise<Readiness> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.#commands.ping(),
        new Promise(
          (_, reject) => (timer = setTimeout(() => reject(new Error('no answer to PING within 1 s')), PING_TIMEOUT_MS)),
        ),
      ]);
      return { ready: true, redis: 'connected' };
    } catch (error) {
      return { ready: false, redis: 'unreachable', error: redisMessage(error) };
    } finally {
      clearTimeout(timer);
    }
  }

  /** After the service stopped: closes every connection. */
  async close(): Promise<void> {
    await Promise.allSettled(this.#connections.map((connection) => connection.quit()));
    for (const connection of this.#connections) connection.disconnect();
  }
}
