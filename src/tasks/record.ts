/**
 * The one place a task is written: each change is stored, then published. Changes to one task are
 * applied in order, each to the stored version, so a late step never overwrites an earlier one.
 */
import type { TaskEvents } from './events.js';
import type { TaskStore } from './store.js';
import { isTerminal, type Task, type TaskChange } from './task.js';

export class TaskRecord {
  readonly #store: TaskStore;
  readonly #events: TaskEvents;
  /** The last pending write of each task, which the next one waits for. */
  readonly #pending = new Map<string, Promise<unknown>>();

  constructor(store: TaskStore, events: TaskEvents) {
    this.#store = store;
    this.#events = events;
  }

  async create<T extends Task>(task: T): Promise<T> {
    await this.#store.insert(task);
    await this.#events.publish(task);
    return task;
  }

  /** The stored task once the writes pending for it have landed (or `task` when it is gone). */
  async current<T extends Task>(task: T): Promise<T> {
    await this.#pending.get(task.id)?.catch(() => undefined);
    return ((await this.#store.get(task.id)) ?? task) as T;
  }

  /** Applies `change` to the stored task (or `task` when it is gone), stamping updatedAt and completedAt. */
  change(task: Task, change: TaskChange): Promise<Task> {
    const previous = this.#pending.get(task.id) ?? Promise.resolve();
    const write = previous
      .catch(() => undefined)
      .then(async () => {
        const current = (await this.#store.get(task.id)) ?? task;
        const next = { ...current, ...change, updatedAt: Date.now() } as Task;
        if (isTerminal(next.status) && next.completedAt === null) next.completedAt = next.updatedAt;
        await this.#store.update(next);
        await this.#events.publish(next);
        return next;
      });
    this.#pending.set(task.id, write);
    const forget = () => {
      if (this.#pending.get(task.id) === write) this.#pending.delete(task.id);
    };
    write.then(forget, forget);
    return write;
  }
}
