import { MemoryMediaIndex } from './memory-media-index.js';
import type { ScheduleStore } from './schedule-store.js';
import type { AccountRecord } from '../accounts/account.js';
import type { TaskPage, TaskPageQuery, TaskStore } from './store.js';
import { isTerminal, type Task, type TaskStatus } from './task.js';

/** A page cursor: base64url of `createdAt:id`. Shared by both stores so cursors are interchangeable. */
export function encodeCursor(createdAt: number, id: string): string {
  return Buffer.from(`${createdAt}:${id}`, 'utf8').toString('base64url');
}

/** @throws TypeError('Invalid cursor') for anything `encodeCursor` could not have produced. */
export function decodeCursor(cursor: string): { createdAt: number; id: string } {
  // Buffer's decoder skips junk silently, so insist the cursor round-trips exactly.
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const colon = text.indexOf(':');
  const createdAt = Number(text.slice(0, colon));
  const id = text.slice(colon + 1);
  if (
    colon <= 0 ||
    !/^-?\d+$/.test(text.slice(0, colon)) ||
    !Number.isSafeInteger(createdAt) ||
    id === '' ||
    encodeCursor(createdAt, id) !== cursor
  ) {
    throw new TypeError('Invalid cursor');
  }
  return { createdAt, id };
}

export function checkFirst(first: number): void {
  if (!Number.isSafeInteger(first) || first < 0) throw new RangeError(`Invalid page size ${first}`);
}

function copy(task: Task): Task {
  return task.kind === 'IMAGE' ? { ...task, images: [...task.images] } : { ...task };
}

/** Orders like SQLite's `ORDER BY created_at, id` (ids are expected to be ASCII). */
function compare(createdAt: number, id: string, other: Task): number {
  if (createdAt !== other.createdAt) return createdAt < other.createdAt ? -1 : 1;
  return id < other.id ? -1 : id > other.id ? 1 : 0;
}

/**
 * Tasks in memory: a Map by id plus an array sorted oldest first, so pages are a binary search and
 * a walk backwards. Everything crossing the boundary is copied.
 */
export class MemoryTaskStore implements TaskStore, ScheduleStore {
  readonly media = new MemoryMediaIndex();
  private readonly byId = new Map<string, Task>();
  /** The schedule's data as JSON text, so that what is loaded is a copy. */
  private schedule: string | undefined;
  /** Ascending by (createdAt, id); new tasks usually land at the end. */
  private sorted: Task[] = [];

  /** @throws Error if a task with this id is already stored. */
  async insert(task: Task): Promise<void> {
    if (this.byId.has(task.id)) throw new Error(`Task ${task.id} already exists`);
    const stored = copy(task);
    this.byId.set(stored.id, stored);
    this.sorted.splice(this.lowerBound(stored.createdAt, stored.id), 0, stored);
  }

  /** A no-op when no task has this id (e.g. it was swept meanwhile), as in SQL. */
  async update(task: Task): Promise<void> {
    const old = this.byId.get(task.id);
    if (!old) return;
    const stored = copy(task);
    this.byId.set(stored.id, stored);
    const at = this.lowerBound(old.createdAt, old.id);
    if (old.createdAt === stored.createdAt) {
      this.sorted[at] = stored;
    } else {
      this.sorted.splice(at, 1);
      this.sorted.splice(this.lowerBound(stored.createdAt, stored.id), 0, stored);
    }
  }

  async get(id: string): Promise<Task | undefined> {
    const task = this.byId.get(id);
    return task && copy(task);
  }

  /** @throws TypeError('Invalid cursor') when `after` is not a cursor this store handed out. */
  async page(query: TaskPageQuery): Promise<TaskPage> {
    checkFirst(query.first);
    let i = this.sorted.length - 1;
    if (query.after !== undefined) {
      const after = decodeCursor(query.after);
      i = this.lowerBound(after.createdAt, after.id) - 1;
    }
    const found: Task[] = [];
    for (; i >= 0 && found.length <= query.first; i--) {
      const t = this.sorted[i]!;
      if (query.status !== undefined && t.status !== query.status) continue;
      if (query.kind !== undefined && t.kind !== query.kind) continue;
      if (query.owner !== undefined && t.owner !== query.owner) continue;
      found.push(t);
    }
    const tasks = found.slice(0, query.first).map(copy);
    return {
      tasks,
      hasNextPage: found.length > query.first,
      cursors: tasks.map((t) => encodeCursor(t.createdAt, t.id)),
    };
  }

  async withStatus(statuses: readonly TaskStatus[]): Promise<Task[]> {
    return this.sorted.filter((t) => statuses.includes(t.status)).map(copy);
  }

  async countWithStatus(statuses: readonly TaskStatus[]): Promise<number> {
    let n = 0;
    for (const t of this.sorted) if (statuses.includes(t.status)) n++;
    return n;
  }

  async deleteFinishedBefore(before: number): Promise<number> {
    return this.remove(
      this.sorted.filter((t) => isTerminal(t.status) && t.completedAt !== null && t.completedAt < before),
    );
  }

  async enforceCap(max: number): Promise<number> {
    const excess = this.byId.size - max;
    if (excess <= 0) return 0;
    const oldestFinished = this.sorted
      .filter((t) => isTerminal(t.status))
      .sort((a, b) => (a.completedAt ?? -Infinity) - (b.completedAt ?? -Infinity) || compare(a.createdAt, a.id, b));
    return this.remove(oldestFinished.slice(0, excess));
  }

  async loadSchedule(): Promise<unknown> {
    return this.schedule === undefined ? undefined : (JSON.parse(this.schedule) as unknown);
  }

  async saveSchedule(data: unknown): Promise<void> {
    this.schedule = JSON.stringify(data);
  }

  private readonly accounts = new Map<string, AccountRecord>();

  async loadAccounts(): Promise<AccountRecord[]> {
    return [...this.accounts.values()].map((record) => ({ ...record }));
  }

  async saveAccount(record: AccountRecord): Promise<void> {
    this.accounts.set(record.id, { ...record });
  }

  async close(): Promise<void> {}

  private remove(tasks: Task[]): number {
    if (tasks.length === 0) return 0;
    const gone = new Set(tasks);
    for (const t of tasks) this.byId.delete(t.id);
    this.media.dropTasks(tasks.map((t) => t.id));
    this.sorted = this.sorted.filter((t) => !gone.has(t));
    return tasks.length;
  }

  /** The first index whose task is not before (createdAt, id). */
  private lowerBound(createdAt: number, id: string): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(createdAt, id, this.sorted[mid]!) > 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
