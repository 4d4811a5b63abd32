/**
 * Tasks in Redis, shared by every instance. Durable when Redis runs with `appendonly yes` and
 * `appendfsync always`: Redis then fsyncs each write before it answers, so a write that resolved has been
 * acknowledged the way the SQLite store's are. A Redis that cannot be reached makes each method reject
 * with UNAVAILABLE once the connection's deadline passes.
 */
import type { Redis } from 'ioredis';
import type { AccountRecord } from '../accounts/account.js';
import { ServiceError } from '../tasks/errors.js';
import { checkFirst, decodeCursor, encodeCursor } from '../tasks/memory-store.js';
import type { TaskPage, TaskPageQuery } from '../tasks/store.js';
import type { Task, TaskStatus } from '../tasks/task.js';
import { redisMessage } from './redis.js';
import { CAP, INSERT, PAGE, SWEEP, UPDATE, WITH_STATUS } from './store-scripts.js';

/** Deletions per script call: a sweep of a million tasks must not hold Redis for seconds at a time. */
const BATCH = 500;

type Script = (...args: Array<string | number>) => Promise<unknown>;

/** `<createdAt, 15 digits>:<id>`: sorts like (createdAt, id) for every createdAt from 0 to year 33658. */
export function memberOf(createdAt: number, id: string): string {
  return `${String(Math.max(0, Math.trunc(createdAt))).padStart(15, '0')}:${id}`;
}

function ownerKey(owner: string | null): string {
  return owner === null ? '-' : `=${owner}`;
}

function args(task: Task): string[] {
  return [
    task.id,
    JSON.stringify(task),
    task.status,
    task.kind,
    ownerKey(task.owner),
    memberOf(task.createdAt, task.id),
    task.completedAt === null ? '' : String(task.completedAt),
  ];
}

export function storeUnavailable(error: unknown): ServiceError {
  if (error instanceof ServiceError) return error;
  return new ServiceError(
    'UNAVAILABLE',
    `The task store (Redis) cannot be reached: ${redisMessage(error)}. Try again in a moment.`,
    {
      retryAfterSeconds: 5,
    },
  );
}

export class RedisTaskStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #scripts: Record<'insert' | 'update' | 'page' | 'withStatus' | 'sweep' | 'cap', Script>;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
    const define = (name: string, lua: string): Script => {
      redis.defineCommand(`bic_${name}`, { numberOfKeys: 0, lua });
      const command = (redis as unknown as Record<string, Script>)[`bic_${name}`]!;
      return (...values) => command.apply(redis, values);
    };
    this.#scripts = {
      insert: define('insert', INSERT),
      update: define('update', UPDATE),
      page: define('page', PAGE),
      withStatus: define('with_status', WITH_STATUS),
      sweep: define('sweep', SWEEP),
      cap: define('cap', CAP),
    };
  }

  async #run<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw storeUnavailable(error);
    }
  }

  /** @throws Error if a task with this id is already stored. */
  async insert(task: Task): Promise<void> {
    const inserted = await this.#run(() => this.#scripts.insert(this.#prefix, ...args(task)));
    if (inserted === 0) throw new Error(`Task ${task.id} already exists`);
  }

  /** A no-op when no task has this id (e.g. it was swept meanwhile). */
  async update(task: Task): Promise<void> {
    await this.#run(() => this.#scripts.update(this.#prefix, ...args(task)));
  }

  async get(id: string): Promise<Task | undefined> {
    const json = await this.#run(() => this.#redis.hget(`${this.#prefix}:task:${id}`, 'json'));
    return json === null ? undefined : (JSON.parse(json) as Task);
  }

  /** @throws TypeError('Invalid cursor') when `after` is not a cursor this store handed out. */
  async page(query: TaskPageQuery): Promise<TaskPage> {
    checkFirst(query.first);
    const after = query.after === undefined ? '' : memberOfCursor(query.after);
    const owner = query.owner === undefined ? '' : ownerKey(query.owner);
    const found = (await this.#run(() =>
      this.#scripts.page(this.#prefix, query.first, query.status ?? '', query.kind ?? '', owner, after),
    )) as string[];
    const tasks = found.slice(0, query.first).map((json) => JSON.parse(json) as Task);
    return {
      tasks,
      hasNextPage: found.length > query.first,
      cursors: tasks.map((t) => encodeCursor(t.createdAt, t.id)),
    };
  }

  async withStatus(statuses: readonly TaskStatus[]): Promise<Task[]> {
    if (statuses.length === 0) return [];
    const found = (await this.#run(() => this.#scripts.withStatus(this.#prefix, ...statuses))) as string[];
    return found.map((json) => JSON.parse(json) as Task);
  }

  async countWithStatus(statuses: readonly TaskStatus[]): Promise<number> {
    if (statuses.length === 0) return 0;
    const counts = await this.#run(async () => {
      const pipeline = this.#redis.pipeline();
      for (const status of statuses) pipeline.zcard(`${this.#prefix}:tasks:status:${status}`);
      return (await pipeline.exec()) ?? [];
    });
    let total = 0;
    for (const [error, count] of counts) {
      if (error) throw storeUnavailable(error);
      total += Number(count);
    }
    return total;
  }

  /** Deletes finished tasks completed before `before`, in batches; returns how many. */
  async deleteFinishedBefore(before: number): Promise<number> {
    return this.#batches(() => this.#scripts.sweep(this.#prefix, before, BATCH));
  }

  /** Keeps at most `max` tasks by deleting the oldest finished ones, in batches; returns how many went. */
  async enforceCap(max: number): Promise<number> {
    return this.#batches(() => this.#scripts.cap(this.#prefix, max, BATCH));
  }

  async #batches(step: () => Promise<unknown>): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = Number(await this.#run(step));
      total += deleted;
      if (deleted < BATCH) return total;
    }
  }

  /** The account pool's records, one hash field per account: the last instance to write one wins. */
  async loadAccounts(): Promise<AccountRecord[]> {
    const records = await this.#run(() => this.#redis.hvals(`${this.#prefix}:accounts`));
    return records.map((record) => JSON.parse(record) as AccountRecord);
  }

  async saveAccount(record: AccountRecord): Promise<void> {
    await this.#run(() => this.#redis.hset(`${this.#prefix}:accounts`, record.id, JSON.stringify(record)));
  }

  /** The connection belongs to the cluster, which closes it after the service stopped. */
  /** The poll schedule's learned timing, one JSON value for every instance on this prefix. */
  async loadSchedule(): Promise<unknown> {
    const json = await this.#run(() => this.#redis.get(`${this.#prefix}:schedule`));
    if (json === null) return undefined;
    try {
      return JSON.parse(json) as unknown;
    } catch {
      return undefined;
    }
  }

  async saveSchedule(data: unknown): Promise<void> {
    await this.#run(() => this.#redis.set(`${this.#prefix}:schedule`, JSON.stringify(data)));
  }

  async close(): Promise<void> {}
}

function memberOfCursor(cursor: string): string {
  const { createdAt, id } = decodeCursor(cursor);
  return memberOf(createdAt, id);
}
