/**
 * Task changes, published once and read by every subscriber (GraphQL subscriptions, SSE, WebSocket).
 * `TaskEvents` is the port (a Redis one can fill it); `LocalTaskEvents` is the in-process default.
 */
import { EventEmitter, on } from 'node:events';
import { isTerminal, type Task } from './task.js';

/** One task's changes, as they come, until `close`. */
export interface TaskSubscription extends AsyncIterable<Task> {
  close(): Promise<void>;
}

/** A watch of one task's states; `return()` lets go of it at once. */
export interface TaskWatch extends AsyncIterableIterator<Task> {
  return(): Promise<IteratorReturnResult<undefined>>;
}

export interface TaskEvents {
  publish(task: Task): Promise<void>;
  /** Resolves once it listens: whatever is published after that is seen. */
  subscribe(id: string): Promise<TaskSubscription>;
  close(): Promise<void>;
}

export class LocalTaskEvents implements TaskEvents {
  readonly #emitter = new EventEmitter();

  constructor() {
    // One listener per open subscription: thousands at once are expected, not a leak.
    this.#emitter.setMaxListeners(0);
  }

  async publish(task: Task): Promise<void> {
    this.#emitter.emit(task.id, task);
  }

  async subscribe(id: string): Promise<TaskSubscription> {
    const stop = new AbortController();
    const changes = on(this.#emitter, id, { signal: stop.signal });
    return {
      async *[Symbol.asyncIterator]() {
        try {
          for await (const [task] of changes) yield task as Task;
        } catch (error) {
          if (!stop.signal.aborted) throw error;
        }
      },
      async close() {
        stop.abort();
        await changes.return?.();
      },
    };
  }

  async close(): Promise<void> {
    this.#emitter.removeAllListeners();
  }
}

/**
 * The current state first, then every change, ending after a terminal state. Resolves once it listens;
 * `current` is read after that, so no change can fall between the two. `release` is called once the watch
 * ends, however it ends.
 *
 * Its `return()` (a consumer that went away) lets go at once, even while it waits for the next change: the
 * subscription is closed and `release` called before it resolves. An async generator could not do that: its
 * `return()` waits for the pending change.
 */
export async function watchTask(
  events: TaskEvents,
  id: string,
  current: () => Promise<Task | undefined>,
  release: () => void = () => undefined,
): Promise<TaskWatch> {
  let changes: TaskSubscription;
  try {
    changes = await events.subscribe(id);
  } catch (error) {
    release();
    throw error;
  }
  let ending: Promise<void> | undefined;
  const end = () => {
    ending ??= changes.close().finally(release);
    return ending;
  };
  const states = follow(changes, current);
  const watch: TaskWatch = {
    async next() {
      try {
        const state = await states.next();
        if (state.done) await end();
        return state;
      } catch (error) {
        await end();
        throw error;
      }
    },
    async return() {
      // Closing the subscription ends the change `states` may be waiting for, so that its own return can run.
      await end();
      await states.return(undefined);
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]: () => watch,
  };
  return watch;
}

async function* follow(changes: TaskSubscription, current: () => Promise<Task | undefined>): AsyncGenerator<Task> {
  const first = await current();
  if (!first) return;
  yield first;
  if (isTerminal(first.status)) return;
  let last = JSON.stringify(first);
  let newest = first.updatedAt;
  for await (const task of changes) {
    const seen = JSON.stringify(task);
    // A shared event bus may deliver a change older than the state read first: it is news to no one.
    if (seen === last || task.updatedAt < newest) continue;
    last = seen;
    newest = task.updatedAt;
    yield task;
    if (isTerminal(task.status)) return;
  }
}
