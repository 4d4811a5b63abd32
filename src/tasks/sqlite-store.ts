import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database, { type Statement } from 'better-sqlite3';
import type { AccountRecord } from '../accounts/account.js';
import { checkFirst, decodeCursor, encodeCursor } from './memory-store.js';
import type { MediaIndex } from './media.js';
import { migrate } from './migrations.js';
import { SqliteMediaIndex } from './sqlite-media-index.js';
import type { ScheduleStore } from './schedule-store.js';
import type { TaskPage, TaskPageQuery, TaskStore } from './store.js';
import type { ErrorCode, ImageAspect, ImageModel, Task, TaskStatus, VideoAspect, VideoMode } from './task.js';

interface TaskRow {
  id: string;
  kind: string;
  prompt: string;
  revised_prompt: string | null;
  model: string | null;
  aspect: string;
  bing_request_id: string | null;
  account: string | null;
  status: string;
  images: string;
  video: string | null;
  mode: string | null;
  width: number | null;
  height: number | null;
  duration_seconds: number | null;
  error: string | null;
  error_code: string | null;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
  deadline_at: number;
  owner: string | null;
}

function toRow(t: Task): TaskRow {
  return {
    id: t.id,
    kind: t.kind,
    prompt: t.prompt,
    revised_prompt: t.kind === 'IMAGE' ? t.revisedPrompt : null,
    model: t.kind === 'IMAGE' ? t.model : null,
    aspect: t.aspect,
    bing_request_id: t.bingRequestId,
    account: t.account,
    status: t.status,
    images: JSON.stringify(t.kind === 'IMAGE' ? t.images : []),
    video: t.kind === 'VIDEO' ? t.video : null,
    mode: t.kind === 'VIDEO' ? t.mode : null,
    width: t.kind === 'VIDEO' ? t.width : null,
    height: t.kind === 'VIDEO' ? t.height : null,
    duration_seconds: t.kind === 'VIDEO' ? t.durationSeconds : null,
    error: t.error,
    error_code: t.errorCode,
    created_at: t.createdAt,
    updated_at: t.updatedAt,
    completed_at: t.completedAt,
    deadline_at: t.deadlineAt,
    owner: t.owner,
  };
}

/**
 * The columns a read selects, in the order fromValues reads them. Reads ask for arrays (better-sqlite3's
 * raw mode): a row object is built property by property in native code, its column names interned
 * each time, which is nearly half of what a task read costs.
 */
const READ_COLUMNS = [
  'id',
  'kind',
  'prompt',
  'revised_prompt',
  'model',
  'aspect',
  'bing_request_id',
  'account',
  'status',
  'images',
  'video',
  'mode',
  'width',
  'height',
  'duration_seconds',
  'error',
  'error_code',
  'created_at',
  'updated_at',
  'completed_at',
  'deadline_at',
  'owner',
] as const satisfies ReadonlyArray<keyof TaskRow>;

const SELECT = `SELECT ${READ_COLUMNS.join(', ')} FROM tasks`;

// The columns hold only what toRow wrote, so the casts restate types the table cannot.
function fromValues(v: unknown[]): Task {
  const base = {
    id: v[0] as string,
    prompt: v[2] as string,
    bingRequestId: v[6] as string | null,
    account: v[7] as string | null,
    status: v[8] as TaskStatus,
    error: v[15] as string | null,
    errorCode: v[16] as ErrorCode | null,
    createdAt: v[17] as number,
    updatedAt: v[18] as number,
    completedAt: v[19] as number | null,
    deadlineAt: v[20] as number,
    owner: v[21] as string | null,
  };
  if (v[1] === 'VIDEO') {
    return {
      ...base,
      kind: 'VIDEO',
      aspect: v[5] as VideoAspect,
      video: v[10] as string | null,
      mode: v[11] as VideoMode | null,
      width: v[12] as number | null,
      height: v[13] as number | null,
      durationSeconds: v[14] as number | null,
    };
  }
  return {
    ...base,
    kind: 'IMAGE',
    model: v[4] as ImageModel,
    aspect: v[5] as ImageAspect,
    images: JSON.parse(v[9] as string) as string[],
    revisedPrompt: v[3] as string | null,
  };
}

// toRow's keys, in its order: the column list the INSERT and UPDATE name.
const COLUMNS = Object.keys(toRow({ kind: 'IMAGE', images: [] } as unknown as Task));
// Written exactly as in the tasks_finished index's WHERE, which is what lets a query use it.
const FINISHED = `status IN ('COMPLETED', 'FAILED')`;

/**
 * Tasks in a SQLite file (better-sqlite3, synchronous). Every write is its own transaction and has
 * committed by the time the method returns.
 */
export class SqliteTaskStore implements TaskStore, ScheduleStore {
  readonly media: MediaIndex;
  private readonly insertStmt: Statement<[TaskRow]>;
  private readonly updateStmt: Statement<[TaskRow]>;
  private readonly getStmt: Statement<[string], unknown[]>;
  private readonly countAllStmt: Statement<[], number>;
  private readonly sweepStmt: Statement<[number]>;
  private readonly capStmt: Statement<[number]>;
  /**
   * Statements whose SQL depends on which filters are present (so each shape keeps its index
   * plan), prepared the first time a shape is seen and reused after that.
   */
  private readonly shaped = new Map<string, Statement>();
  private readonly enforceCapTx: (max: number) => number;
  private readonly loadScheduleStmt: Statement<[], string>;
  private readonly saveScheduleStmt: Statement<[string, number]>;
  private readonly saveAccountStmt: Statement<[{ id: string; label: string; record: string; at: number }]>;
  private readonly loadAccountsStmt: Statement<[], string>;

  private constructor(private readonly db: Database.Database) {
    this.media = new SqliteMediaIndex(db);
    this.insertStmt = db.prepare(
      `INSERT INTO tasks (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => `@${c}`).join(', ')})`,
    );
    this.updateStmt = db.prepare(
      `UPDATE tasks SET ${COLUMNS.filter((c) => c !== 'id')
        .map((c) => `${c} = @${c}`)
        .join(', ')} WHERE id = @id`,
    );
    this.getStmt = db.prepare<[string], unknown[]>(`${SELECT} WHERE id = ?`).raw();
    this.countAllStmt = db.prepare<[], number>('SELECT COUNT(*) FROM tasks').pluck();
    this.sweepStmt = db.prepare(`DELETE FROM tasks INDEXED BY tasks_finished WHERE ${FINISHED} AND completed_at < ?`);
    this.capStmt = db.prepare(
      `DELETE FROM tasks WHERE id IN (
         SELECT id FROM tasks INDEXED BY tasks_finished WHERE ${FINISHED} ORDER BY completed_at, created_at, id LIMIT ?)`,
    );
    const capTx = db.transaction((max: number) => {
      const excess = this.countAllStmt.get()! - max;
      return excess > 0 ? this.capStmt.run(excess).changes : 0;
    });
    this.enforceCapTx = (max) => capTx.immediate(max);
    this.loadScheduleStmt = db.prepare<[], string>(`SELECT data FROM schedule WHERE name = 'poll'`).pluck();
    this.saveScheduleStmt = db.prepare(
      `INSERT INTO schedule (name, data, updated_at) VALUES ('poll', ?, ?)
       ON CONFLICT (name) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`,
    );
    this.saveAccountStmt = db.prepare(
      `INSERT INTO accounts (id, label, record, updated_at) VALUES (@id, @label, @record, @at)
       ON CONFLICT (id) DO UPDATE SET label = excluded.label, record = excluded.record, updated_at = excluded.updated_at`,
    );
    this.loadAccountsStmt = db.prepare<[], string>('SELECT record FROM accounts ORDER BY id').pluck();
  }

  async loadSchedule(): Promise<unknown> {
    const data = this.loadScheduleStmt.get();
    if (data === undefined) return undefined;
    try {
      return JSON.parse(data) as unknown;
    } catch {
      return undefined;
    }
  }

  async saveSchedule(data: unknown): Promise<void> {
    if (!this.db.open) return;
    this.saveScheduleStmt.run(JSON.stringify(data), Date.now());
  }

  /** Opens (creating it and its directory if needed) and migrates the database; `:memory:` works. */
  static open(file: string): SqliteTaskStore {
    if (file !== ':memory:' && file !== '') mkdirSync(dirname(resolve(file)), { recursive: true });
    const db = new Database(file);
    try {
      db.pragma('journal_mode = WAL');
      // FULL, not NORMAL: in WAL mode NORMAL survives a process crash but can lose the last commits
      // on power loss or an OS crash, and the store promises that a write that returned is durable.
      // FULL costs one fsync of the WAL per commit, which a task's handful of writes can afford.
      db.pragma('synchronous = FULL');
      // Another process (a CLI, a second instance during a deploy) may hold the write lock briefly.
      db.pragma('busy_timeout = 5000');
      migrate(db);
      return new SqliteTaskStore(db);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** @throws SqliteError (SQLITE_CONSTRAINT_PRIMARYKEY) if a task with this id is already stored. */
  async insert(task: Task): Promise<void> {
    this.insertStmt.run(toRow(task));
  }

  /** A no-op when no task has this id (e.g. it was swept meanwhile). */
  async update(task: Task): Promise<void> {
    this.updateStmt.run(toRow(task));
  }

  async get(id: string): Promise<Task | undefined> {
    const values = this.getStmt.get(id);
    return values && fromValues(values);
  }

  /** @throws TypeError('Invalid cursor') when `after` is not a cursor this store handed out. */
  async page(query: TaskPageQuery): Promise<TaskPage> {
    checkFirst(query.first);
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: query.first + 1 };
    if (query.status !== undefined) {
      where.push('status = @status');
      params.status = query.status;
    }
    if (query.kind !== undefined) {
      where.push('kind = @kind');
      params.kind = query.kind;
    }
    if (query.owner === null) {
      where.push('owner IS NULL');
    } else if (query.owner !== undefined) {
      where.push('owner = @owner');
      params.owner = query.owner;
    }
    if (query.after !== undefined) {
      const after = decodeCursor(query.after);
      where.push('(created_at, id) < (@afterCreatedAt, @afterId)');
      params.afterCreatedAt = after.createdAt;
      params.afterId = after.id;
    }
    const sql =
      SELECT +
      (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
      ' ORDER BY created_at DESC, id DESC LIMIT @limit';
    const rows = this.statement(sql).raw().all(params) as unknown[][];
    const tasks = rows.slice(0, query.first).map(fromValues);
    return {
      tasks,
      hasNextPage: rows.length > query.first,
      cursors: tasks.map((t) => encodeCursor(t.createdAt, t.id)),
    };
  }

  async withStatus(statuses: readonly TaskStatus[]): Promise<Task[]> {
    if (statuses.length === 0) return [];
    const sql = `${SELECT} WHERE status IN (${statuses.map(() => '?').join(', ')}) ORDER BY created_at, id`;
    return (
      this.statement(sql)
        .raw()
        .all(...statuses) as unknown[][]
    ).map(fromValues);
  }

  async countWithStatus(statuses: readonly TaskStatus[]): Promise<number> {
    if (statuses.length === 0) return 0;
    const sql = `SELECT COUNT(*) FROM tasks WHERE status IN (${statuses.map(() => '?').join(', ')})`;
    return this.statement(sql)
      .pluck()
      .get(...statuses) as number;
  }

  async deleteFinishedBefore(before: number): Promise<number> {
    return this.sweepStmt.run(before).changes;
  }

  /** Counts and deletes in one IMMEDIATE transaction, so another writer cannot slip in between. */
  async enforceCap(max: number): Promise<number> {
    return this.enforceCapTx(max);
  }

  async loadAccounts(): Promise<AccountRecord[]> {
    return this.loadAccountsStmt.all().map((record) => JSON.parse(record) as AccountRecord);
  }

  async saveAccount(record: AccountRecord): Promise<void> {
    if (!this.db.open) return;
    this.saveAccountStmt.run({ id: record.id, label: record.label, record: JSON.stringify(record), at: Date.now() });
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private statement(sql: string): Statement {
    let stmt = this.shaped.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.shaped.set(sql, stmt);
    }
    return stmt;
  }
}
