import type { AccountRecord } from '../accounts/account.js';
import type { MediaIndex } from './media.js';
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
 * Where tasks live: SQLite (the default), memory, or a shared store in cluster mode. A write whose
 * promise resolved has been acknowledged (the SQLite one has committed it).
 */
export interface TaskStore {
  /** The media mirror's index, where the store keeps one beside its tasks (SQLite and memory do). */
  readonly media?: MediaIndex;
  insert(task: Task): Promise<void>;
  /** Replaces the stored task with the same id; a no-op when there is none (it was swept meanwhile). */
  update(task: Task): Promise<void>;
  get(id: string): Promise<Task | undefined>;
  /** Newest first (createdAt, then id, descending). */
  page(query: TaskPageQuery): Promise<TaskPage>;
  /** Every task in one of these statuses, oldest first: what start-up recovery resumes. */
  withStatus(statuses: readonly TaskStatus[]): Promise<Task[]>;
  countWithStatus(statuses: readonly TaskStatus[]): Promise<number>;
  /** Deletes finished (COMPLETED or FAILED) tasks completed before `before`; returns how many. */
  deleteFinishedBefore(before: number): Promise<number>;
  /** Keeps at most `max` tasks by deleting the oldest finished ones; returns how many went. */
  enforceCap(max: number): Promise<number>;
  /** What the account pool remembers of each account (beside the tasks, so it survives a restart). */
  loadAccounts(): Promise<AccountRecord[]>;
  saveAccount(record: AccountRecord): Promise<void>;
  close(): Promise<void>;
}
