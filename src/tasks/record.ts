/**
 * The one place a task is written: each change is stored, then published. Changes to one task are
 * applied in order, each to the stored version, so a late step never overwrites an earlier one. Since
 * every change of status passes here, it also keeps the count of active tasks that /health reports,
 * instead of a COUNT over the store on every probe.
 */
import type { TaskEvents } from './events.js';
import type { TaskStore } from './store.js';
import { isTerminal, type Task, type TaskChange, type TaskStatus } from './task.js';

const ACTIVE: readonly TaskStatus[] = ['QUEUED', 'PROCESSING'];

export class TaskRecord {
  readonly #store: TaskStore;
  readonly #events: TaskEvents;
  /** The last pending write of each task, which the next one waits for. */
  readonly #pending = new Map<string, Promise<unknown>>();
  /** Tasks queued or processing, once counted (at start, before anything changes them). */
  #active: number | undefined;

  constructor(store: TaskStore, events: TaskEvents) {
    this.#store = store;
    this.#events = events;
  }

  /** Counts the active tasks in the store; from then on each write keeps the count. */
  async countActive(): Promise<void> {
    this.#active = await this.#store.countWithStatus(ACTIVE);
  }

  /** Tasks queued or processing: the kept count, or (before countActive) the store's. */
  active(): Promise<number> {
    return this.#active === undefined ? this.#store.countWithStatus(ACTIVE) : Promise.resolve(this.#active);
  }

  async create<T extends Task>(task: T): Promise<T> {
    await this.#store.insert(task);
    if (this.#active !== undefined && !isTerminal(task.status)) this.#active += 1;
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
        if (this.#active !== undefined && isTerminal(current.status) !== isTerminal(next.status)) {
          this.#active += isTerminal(next.status) ? -1 : 1;
        }
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
