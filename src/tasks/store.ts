import type { Task, TaskKind, TaskStatus } from './task.js';

export interface TaskPageQuery {
  /** At most this many tasks (the caller bounds it). */
  first: number;
  /** An opaque cursor from a previous page's `endCursor`. */
  after?: string | undefined;
  status?: TaskStatus | undefined;
  kind?: TaskKind | undefined;
  /** Only this owner's tasks; `null` means tasks without an owner; undefined means any owner. */
  owner?: string | null | undefined;
}

export interface TaskPage {
  tasks: Task[];
  hasNextPage: boolean;
  /** The cursor of each task in `tasks`, in the same order. */
  cursors: string[];
}

/**
 * Where tasks live. Synchronous on purpose: both implementations answer in microseconds, and a
 * write that returned has been acknowledged (the SQLite one has committed it).
 */
export interface TaskStore {
  insert(task: Task): void;
  /** Replaces the stored task with the same id. */
  update(task: Task): void;
  get(id: string): Task | undefined;
  /** Newest first (createdAt, then id, descending). */
  page(query: TaskPageQuery): TaskPage;
  /** Every task in one of these statuses, oldest first: what start-up recovery resumes. */
  withStatus(statuses: readonly TaskStatus[]): Task[];
  countWithStatus(statuses: readonly TaskStatus[]): number;
  /** Deletes finished (COMPLETED or FAILED) tasks completed before `before`; returns how many. */
  deleteFinishedBefore(before: number): number;
  /** Keeps at most `max` tasks by deleting the oldest finished ones; returns how many went. */
  enforceCap(max: number): number;
  close(): void;
}
