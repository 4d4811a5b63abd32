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

  override async insert(task: Task): Promise<void> {
    this.#check();
    await super.insert(task);
  }

  override async update(task: Task): Promise<void> {
    this.#check();
    await super.update(task);
  }

  override async get(id: string): Promise<Task | undefined> {
    this.#check();
    return super.get(id);
  }

  override async page(query: TaskPageQuery): Promise<TaskPage> {
    this.#check();
    return super.page(query);
  }

  override async withStatus(statuses: readonly TaskStatus[]): Promise<Task[]> {
    this.#check();
    return super.withStatus(statuses);
  }

  override async countWithStatus(statuses: readonly TaskStatus[]): Promise<number> {
    this.#check();
    return super.countWithStatus(statuses);
  }

  override async deleteFinishedBefore(before: number): Promise<number> {
    this.#check();
    return super.deleteFinishedBefore(before);
  }

  override async enforceCap(max: number): Promise<number> {
    this.#check();
    return super.enforceCap(max);
  }
}
