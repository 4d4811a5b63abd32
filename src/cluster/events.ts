/**
 * Task changes across instances: published on a Redis channel per task, read through Yoga's Redis event
 * target, which holds one SUBSCRIBE per task however many local subscribers watch it and drops it with the
 * last one. A watcher sees the current state first, then each newer change, ending after a terminal state.
 */
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { isTerminal, type Task } from '../tasks/task.js';
import { redisMessage } from './redis.js';

type Listener = (event: Event & { detail?: unknown }) => void;

export class RedisTaskEvents {
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  readonly #prefix: string;
  readonly #log: Logger;
  readonly #target: ReturnType<typeof createRedisEventTarget>;
  /** Each open watch's way to read the task again, after Redis came back (changes may have been missed). */
  readonly #resyncs = new Set<() => void>();
  #reconnecting = false;

  /** `publisher` fails fast; `subscriber` waits for Redis and resubscribes by itself after an outage. */
  constructor(publisher: Redis, subscriber: Redis, prefix: string, log: Logger) {
    this.#publisher = publisher;
    this.#subscriber = subscriber;
    this.#prefix = prefix;
    this.#log = log;
    // The event target subscribes without waiting for the answer; a rejection (the connection closing at
    // stop) would be unhandled, so its calls go through this adapter, which reports it instead.
    const subscribeClient = {
      on: (event: string, listener: (channel: string, message: string) => void) => subscriber.on(event, listener),
      subscribe: (topic: string) => subscriber.subscribe(topic).catch((error: unknown) => this.#warn('subscribe', error)),
      unsubscribe: (topic: string) => subscriber.unsubscribe(topic).catch((error: unknown) => this.#warn('unsubscribe', error)),
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
   * The current state first, then every newer change, ending after a terminal state. `current` is read once
   * the subscription is confirmed by Redis, so no change falls between the two; older states arriving late are
   * skipped by their `updatedAt`.
   */
  async *watch(id: string, current: () => Promise<Task | undefined> | Task | undefined): AsyncGenerator<Task> {
    const topic = this.#topic(id);
    const pending: Array<Task | Promise<Task | undefined>> = [];
    let wake: (() => void) | undefined;
    const push = (item: Task | Promise<Task | undefined>) => {
      pending.push(item);
      wake?.();
    };
    const listener: Listener = (event) => push(event.detail as Task);
    const resync = () => push(Promise.resolve(current()).catch(() => undefined));
    this.#target.addEventListener(topic, listener);
    this.#resyncs.add(resync);
    try {
      // A second SUBSCRIBE on the same connection answers after the event target's own: the subscription is live.
      await this.#subscriber.subscribe(topic);
      let last = await current();
      if (!last) return;
      yield last;
      while (!isTerminal(last.status)) {
        while (pending.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        const next = await pending.shift();
        if (!next || next.updatedAt < last.updatedAt || JSON.stringify(next) === JSON.stringify(last)) continue;
        last = next;
        yield next;
      }
    } finally {
      this.#resyncs.delete(resync);
      this.#target.removeEventListener(topic, listener);
    }
  }
}
