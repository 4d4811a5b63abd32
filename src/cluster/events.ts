/**
 * Task changes across instances: published on a Redis channel per task, read through Yoga's Redis event
 * target, which holds one SUBSCRIBE per task however many local subscribers watch it and drops it with the
 * last one. A subscription resolves once Redis confirmed it, so whatever is published after that is seen;
 * after an outage it reads the task again, since changes published meanwhile were lost.
 */
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { TaskEvents, TaskSubscription } from '../tasks/events.js';
import type { Task } from '../tasks/task.js';
import { redisMessage } from './redis.js';

type Listener = (event: Event & { detail?: unknown }) => void;

export class RedisTaskEvents implements TaskEvents {
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  readonly #prefix: string;
  readonly #log: Logger;
  readonly #current: (id: string) => Promise<Task | undefined>;
  readonly #target: ReturnType<typeof createRedisEventTarget>;
  /** Each open subscription's way to read its task again, after Redis came back. */
  readonly #resyncs = new Set<() => void>();
  #reconnecting = false;

  /**
   * `publisher` fails fast; `subscriber` waits for Redis and resubscribes by itself after an outage;
   * `current` reads a task from the shared store.
   */
  constructor(
    publisher: Redis,
    subscriber: Redis,
    prefix: string,
    current: (id: string) => Promise<Task | undefined>,
    log: Logger,
  ) {
    this.#publisher = publisher;
    this.#subscriber = subscriber;
    this.#prefix = prefix;
    this.#current = current;
    this.#log = log;
    // The event target subscribes without waiting for the answer; a rejection (the connection closing at
    // stop) would be unhandled, so its calls go through this adapter, which reports it instead.
    const subscribeClient = {
      on: (event: string, listener: (channel: string, message: string) => void) => subscriber.on(event, listener),
      subscribe: (topic: string) =>
        subscriber.subscribe(topic).catch((error: unknown) => this.#warn('subscribe', error)),
      unsubscribe: (topic: string) =>
        subscriber.unsubscribe(topic).catch((error: unknown) => this.#warn('unsubscribe', error)),
    } as unknown as Redis;
    this.#target = createRedisEventTarget({ publishClient: publisher, subscribeClient });
    subscriber.on('reconnecting', () => (this.#reconnecting = true));
    subscriber.on('ready', () => {
      if (!this.#reconnecting) return;
      this.#reconnecting = false;
      for (const resync of this.#resyncs) resync();
    });
  }

  #warn(what: string, error: unknown): void {
    this.#log.warn({ what, error: redisMessage(error) }, 'a task event subscription failed');
  }

  #topic(id: string): string {
    return `${this.#prefix}:task:${id}`;
  }

  /** Publishes to every instance. A Redis that cannot be reached loses the event, not the task (it is stored). */
  async publish(task: Task): Promise<void> {
    try {
      await this.#publisher.publish(this.#topic(task.id), JSON.stringify(task));
    } catch (error) {
      this.#warn('publish', error);
    }
  }

  /**
   * Resolves once Redis confirmed the subscription. Yields each newer state of the task; a state older than
   * one already yielded (a late delivery) is skipped.
   */
  async subscribe(id: string): Promise<TaskSubscription> {
    const topic = this.#topic(id);
    const pending: Array<Task | Promise<Task | undefined>> = [];
    let wake: (() => void) | undefined;
    let closed = false;
    const push = (item: Task | Promise<Task | undefined>) => {
      pending.push(item);
      wake?.();
    };
    const listener: Listener = (event) => push(event.detail as Task);
    const resync = () => push(this.#current(id).catch(() => undefined));
    this.#target.addEventListener(topic, listener);
    this.#resyncs.add(resync);
    const close = async () => {
      if (closed) return;
      closed = true;
      this.#resyncs.delete(resync);
      this.#target.removeEventListener(topic, listener);
      wake?.();
    };
    try {
      // A second SUBSCRIBE on the same connection answers after the event target's own: the subscription is live.
      await this.#subscriber.subscribe(topic);
    } catch (error) {
      await close();
      throw error;
    }
    return {
      close,
      async *[Symbol.asyncIterator]() {
        let newest = Number.NEGATIVE_INFINITY;
        while (!closed) {
          if (pending.length === 0) {
            await new Promise<void>((resolve) => (wake = resolve));
            wake = undefined;
            continue;
          }
          const task = await pending.shift();
          if (!task || task.updatedAt < newest) continue;
          newest = task.updatedAt;
          yield task;
        }
      },
    };
  }

  /** Subscriptions end with their watchers; the connections belong to the cluster. */
  async close(): Promise<void> {}
}
