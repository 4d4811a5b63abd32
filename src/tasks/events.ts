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
 * The current state first, then every change, ending after a terminal state. `current` is read after
 * the subscription listens, so no change can fall between the two.
 */
export async function* watchTask(
  events: TaskEvents,
  id: string,
  current: () => Promise<Task | undefined>,
): AsyncGenerator<Task> {
  const changes = await events.subscribe(id);
  try {
    const first = await current();
    if (!first) return;
    yield first;
    if (isTerminal(first.status)) return;
    let last = JSON.stringify(first);
    for await (const task of changes) {
      const seen = JSON.stringify(task);
      if (seen === last) continue;
      last = seen;
      yield task;
      if (isTerminal(task.status)) return;
    }
  } finally {
    await changes.close();
  }
}
