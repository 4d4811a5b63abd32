/**
 * A task store that works until told to fail, then throws from every method an Error whose message is
 * given: an internal failure the server did not expect, for tests of what it lets out.
 */
import { MemoryTaskStore } from '../../../src/tasks/memory-store.js';
import type { TaskPage, TaskPageQuery } from '../../../src/tasks/store.js';
import type { Task, TaskStatus } from '../../../src/tasks/task.js';

export class FailingStore extends MemoryTaskStore {
  failing = false;
  readonly #message: string;

  constructor(message: string) {
    super();
    this.#message = message;
  }

  #check(): void {
    if (this.failing) throw new Error(this.#message);
  }

  override insert(task: Task): void {
    this.#check();
    super.insert(task);
  }

  override update(task: Task): void {
    this.#check();
    super.update(task);
  }

  override get(id: string): Task | undefined {
    this.#check();
    return super.get(id);
  }

  override page(query: TaskPageQuery): TaskPage {
    this.#check();
    return super.page(query);
  }

  override withStatus(statuses: readonly TaskStatus[]): Task[] {
    this.#check();
    return super.withStatus(statuses);
  }

  override countWithStatus(statuses: readonly TaskStatus[]): number {
    this.#check();
    return super.countWithStatus(statuses);
  }

  override deleteFinishedBefore(before: number): number {
    this.#check();
    return super.deleteFinishedBefore(before);
  }

  override enforceCap(max: number): number {
    this.#check();
    return super.enforceCap(max);
  }
}
