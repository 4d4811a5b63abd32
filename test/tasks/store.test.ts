import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { freshRecord } from '../../src/accounts/account.js';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryTaskStore } from '../../src/tasks/memory-store.js';
import { migrate, SCHEMA_VERSION, schemaVersion } from '../../src/tasks/migrations.js';
import { SqliteTaskStore } from '../../src/tasks/sqlite-store.js';
import type { TaskPageQuery, TaskStore } from '../../src/tasks/store.js';
import type { ImageTask, Task, TaskStatus, VideoTask } from '../../src/tasks/task.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'task-store-'));
let files = 0;
const newFile = () => path.join(tmp, `t${++files}`, 'tasks.db');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A task of the kind `over` names (IMAGE by default), with only the fields of that kind. */
function task(over: Partial<ImageTask> | Partial<VideoTask> = {}): Task {
  const base = {
    id: 'task-1',
    prompt: 'a lighthouse at dusk',
    bingRequestId: null,
    account: null,
    status: 'QUEUED' as const,
    error: null,
    errorCode: null,
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
    completedAt: null,
    deadlineAt: 1_700_000_300_000,
    owner: null,
  };
  if (over.kind === 'VIDEO')
    return {
      ...base,
      kind: 'VIDEO',
      aspect: 'PORTRAIT',
      video: null,
      mode: null,
      width: null,
      height: null,
      durationSeconds: null,
      ...over,
    } as VideoTask;
  return {
    ...base,
    kind: 'IMAGE',
    model: 'DALLE',
    aspect: 'SQUARE',
    images: [],
    revisedPrompt: null,
    ...over,
  } as ImageTask;
}

const FULL = task({
  id: 'full',
  kind: 'IMAGE',
  prompt: 'ünïcode ✓ and "quotes"',
  revisedPrompt: 'a revised prompt',
  model: 'GPT4O',
  aspect: 'LANDSCAPE',
  bingRequestId: '4-abc123',
  account: 'acct-fp',
  status: 'FAILED',
  images: ['https://example.com/1.jpg', 'https://example.com/2.jpg'],
  error: 'Bing refused the prompt.',
  errorCode: 'PROMPT_REJECTED',
  updatedAt: 1_700_000_050_000,
  completedAt: 1_700_000_060_000,
  owner: 'key-1',
}) as ImageTask;

const FULL_VIDEO = task({
  id: 'full-video',
  kind: 'VIDEO',
  prompt: 'rain on a tin roof',
  aspect: 'LANDSCAPE',
  bingRequestId: '4-def456',
  account: 'acct-fp',
  status: 'COMPLETED',
  video: 'https://example.com/v.mp4',
  updatedAt: 1_700_000_050_000,
  completedAt: 1_700_000_060_000,
  owner: 'key-2',
});

const implementations = [
  { name: 'MemoryTaskStore', open: (): TaskStore => new MemoryTaskStore() },
  { name: 'SqliteTaskStore', open: (): TaskStore => SqliteTaskStore.open(newFile()) },
];

describe.each(implementations)('$name', ({ open }) => {
  let store: TaskStore;
  beforeEach(async () => {
    store = open();
  });
  afterEach(async () => await store.close());

  it("keeps the account pool's records, one per account, the last write winning", async () => {
    const record = {
      ...freshRecord('fp-1', 'main', 1_700_000_000_000),
      lastErrorCode: 'AUTH',
      health: 'expired' as const,
    };
    expect(await store.loadAccounts()).toEqual([]);
    await store.saveAccount(freshRecord('fp-1', 'old label', 0));
    await store.saveAccount(record);
    await store.saveAccount(freshRecord('fp-2', 'spare', 0));
    expect(await store.loadAccounts()).toEqual([record, freshRecord('fp-2', 'spare', 0)]);
  });

  it('round-trips every field, null or not', async () => {
    const bare = task({ id: 'bare' });
    await store.insert(FULL);
    await store.insert(FULL_VIDEO);
    await store.insert(bare);
    expect(await store.get('full')).toEqual(FULL);
    expect(await store.get('full-video')).toEqual(FULL_VIDEO);
    expect(await store.get('bare')).toEqual(bare);
    expect(await store.get('missing')).toBeUndefined();

    const done = task({
      id: 'bare',
      status: 'COMPLETED',
      images: ['https://example.com/a.jpg'],
      revisedPrompt: 'r',
      updatedAt: 5,
      completedAt: 6,
    });
    await store.update(done);
    expect(await store.get('bare')).toEqual(done);
    await store.update({ ...done, images: [], revisedPrompt: null, completedAt: null } as Task);
    expect(await store.get('bare')).toEqual({ ...done, images: [], revisedPrompt: null, completedAt: null });
  });

  it('refuses a duplicate id and ignores an update of an unknown one', async () => {
    await store.insert(task());
    await expect(store.insert(task())).rejects.toThrow();
    await store.update(task({ id: 'ghost' }));
    expect(await store.get('ghost')).toBeUndefined();
  });

  it('hands out copies', async () => {
    const mine = structuredClone(FULL);
    await store.insert(mine);
    mine.prompt = 'changed';
    mine.images.push('x');
    const got = (await store.get('full')) as ImageTask;
    expect(got).toEqual(FULL);
    got.images.length = 0;
    got.status = 'QUEUED';
    ((await store.page({ first: 1 })).tasks[0] as ImageTask).images.push('y');
    ((await store.withStatus(['FAILED']))[0] as ImageTask).images.push('z');
    expect(await store.get('full')).toEqual(FULL);

    const update = structuredClone(FULL);
    await store.update(update);
    update.images.push('w');
    expect(await store.get('full')).toEqual(FULL);
  });

  describe('page', () => {
    const all: Task[] = [];
    for (let i = 0; i < 30; i++) {
      all.push(
        task({
          id: `t${String(i).padStart(2, '0')}`,
          // Pairs share a createdAt so the id tie-break matters.
          createdAt: 1000 + Math.floor(i / 2),
          kind: i % 3 === 0 ? 'VIDEO' : 'IMAGE',
          status: (['QUEUED', 'PROCESSING', 'COMPLETED', 'FAILED'] as const)[i % 4],
          owner: i % 5 === 0 ? null : `key-${i % 2}`,
        }),
      );
    }
    const newestFirst = [...all].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));

    beforeEach(async () => {
      // Insert out of order so the store, not the insertion order, does the sorting.
      for (const t of [...all].reverse().filter((_, i) => i % 2 === 0)) await store.insert(t);
      for (const t of [...all].reverse().filter((_, i) => i % 2 === 1)) await store.insert(t);
    });

    async function walk(query: Omit<TaskPageQuery, 'after'>): Promise<string[]> {
      const ids: string[] = [];
      let after: string | undefined;
      for (let pages = 0; pages < 100; pages++) {
        const page = await store.page({ ...query, after });
        expect(page.cursors).toHaveLength(page.tasks.length);
        expect(page.tasks.length).toBeLessThanOrEqual(query.first);
        ids.push(...page.tasks.map((t) => t.id));
        if (!page.hasNextPage) return ids;
        expect(page.tasks).toHaveLength(query.first);
        after = page.cursors.at(-1);
      }
      throw new Error('paging did not end');
    }

    it.each([
      { first: 7 },
      { first: 5, status: 'COMPLETED' as const },
      { first: 2, kind: 'VIDEO' as const },
      { first: 3, owner: null },
      { first: 4, owner: 'key-1' },
      { first: 1, owner: 'key-0', kind: 'IMAGE' as const, status: 'QUEUED' as const },
      { first: 30 },
      { first: 100 },
    ])('walks newest first across pages: %o', async (query) => {
      const expected = newestFirst
        .filter((t) => query.status === undefined || t.status === query.status)
        .filter((t) => query.kind === undefined || t.kind === query.kind)
        .filter((t) => !('owner' in query) || t.owner === query.owner)
        .map((t) => t.id);
      expect(expected.length).toBeGreaterThan(0);
      expect(await walk(query)).toEqual(expected);
    });

    it('returns full tasks and cursors that resume strictly after', async () => {
      const page = await store.page({ first: 3 });
      expect(page.tasks).toEqual(newestFirst.slice(0, 3));
      expect(page.hasNextPage).toBe(true);
      const next = await store.page({ first: 3, after: page.cursors[1] });
      expect(next.tasks.map((t) => t.id)).toEqual(newestFirst.slice(2, 5).map((t) => t.id));
    });

    it('keeps working when the cursor task is gone', async () => {
      const page = await store.page({ first: 4 });
      expect(page.tasks.at(-1)!.status).toBe('COMPLETED');
      await store.enforceCap(0);
      const rest = (await store.page({ first: 100, after: page.cursors.at(-1) })).tasks;
      expect(rest.map((t) => t.id)).toEqual(
        newestFirst
          .slice(4)
          .filter((t) => t.status === 'QUEUED' || t.status === 'PROCESSING')
          .map((t) => t.id),
      );
    });

    it('says whether there is more, with first = 0 too', async () => {
      expect(await store.page({ first: 0 })).toEqual({ tasks: [], cursors: [], hasNextPage: true });
      const last = await store.page({ first: 1, after: (await store.page({ first: 29 })).cursors.at(-1) });
      expect(last.tasks).toHaveLength(1);
      expect(last.hasNextPage).toBe(false);
      expect(await store.page({ first: 10, after: last.cursors[0] })).toEqual({
        tasks: [],
        cursors: [],
        hasNextPage: false,
      });
    });

    it.each([
      'garbage!',
      '',
      'a',
      Buffer.from('no-colon').toString('base64url'),
      Buffer.from(':id').toString('base64url'),
      Buffer.from('12:').toString('base64url'),
      Buffer.from('1.5:id').toString('base64url'),
      Buffer.from('abc:id').toString('base64url'),
      Buffer.from('99999999999999999999:id').toString('base64url'),
      `${Buffer.from('12:id').toString('base64')}==`,
    ])('rejects the malformed cursor %j', async (after) => {
      await expect(store.page({ first: 5, after })).rejects.toThrow(new TypeError('Invalid cursor'));
    });
  });

  it('lists and counts by status, oldest first', async () => {
    const statuses: TaskStatus[] = ['PROCESSING', 'QUEUED', 'COMPLETED', 'PROCESSING', 'QUEUED', 'FAILED'];
    for (const [i, status] of statuses.entries())
      await store.insert(task({ id: `s${i}`, status, createdAt: 100 - i * 10 }));
    await store.insert(task({ id: 's9', status: 'QUEUED', createdAt: 50 }));
    expect((await store.withStatus(['QUEUED', 'PROCESSING'])).map((t) => t.id)).toEqual(['s9', 's4', 's3', 's1', 's0']);
    expect((await store.withStatus(['FAILED'])).map((t) => t.id)).toEqual(['s5']);
    expect(await store.withStatus([])).toEqual([]);
    expect(await store.countWithStatus(['QUEUED', 'PROCESSING'])).toBe(5);
    expect(await store.countWithStatus(['COMPLETED', 'FAILED'])).toBe(2);
    expect(await store.countWithStatus([])).toBe(0);
  });

  it('sweeps finished tasks completed before a time', async () => {
    await store.insert(task({ id: 'old-done', status: 'COMPLETED', completedAt: 10 }));
    await store.insert(task({ id: 'old-failed', status: 'FAILED', completedAt: 19 }));
    await store.insert(task({ id: 'edge', status: 'COMPLETED', completedAt: 20 }));
    await store.insert(task({ id: 'new', status: 'COMPLETED', completedAt: 30 }));
    await store.insert(task({ id: 'running', status: 'PROCESSING', createdAt: 1 }));
    await store.insert(task({ id: 'waiting', status: 'QUEUED', createdAt: 1 }));
    expect(await store.deleteFinishedBefore(20)).toBe(2);
    expect(await store.deleteFinishedBefore(20)).toBe(0);
    const left = (await store.page({ first: 10 })).tasks.map((t) => t.id).sort();
    expect(left).toEqual(['edge', 'new', 'running', 'waiting']);
  });

  it('caps by deleting the oldest finished tasks, never live ones', async () => {
    await store.insert(task({ id: 'p1', status: 'PROCESSING', createdAt: 1 }));
    await store.insert(task({ id: 'q1', status: 'QUEUED', createdAt: 2 }));
    await store.insert(task({ id: 'c-late', status: 'COMPLETED', createdAt: 3, completedAt: 500 }));
    await store.insert(task({ id: 'f-early', status: 'FAILED', createdAt: 9, completedAt: 100 }));
    // Same completedAt: the older createdAt goes first.
    await store.insert(task({ id: 'c-tie-b', status: 'COMPLETED', createdAt: 6, completedAt: 200 }));
    await store.insert(task({ id: 'c-tie-a', status: 'COMPLETED', createdAt: 5, completedAt: 200 }));
    await store.insert(task({ id: 'p2', status: 'PROCESSING', createdAt: 10 }));
    const ids = async () => (await store.page({ first: 100 })).tasks.map((t) => t.id).sort();

    expect(await store.enforceCap(7)).toBe(0);
    expect(await store.enforceCap(5)).toBe(2);
    expect(await ids()).toEqual(['c-late', 'c-tie-b', 'p1', 'p2', 'q1']);
    expect(await store.enforceCap(0)).toBe(2);
    expect(await ids()).toEqual(['p1', 'p2', 'q1']);
    expect(await store.enforceCap(0)).toBe(0);
    expect(await store.countWithStatus(['QUEUED', 'PROCESSING'])).toBe(3);
  });

  it('closes idempotently', async () => {
    await store.close();
    await expect(store.close()).resolves.toBeUndefined();
  });
});

describe('SqliteTaskStore on disk', () => {
  it('keeps tasks across a reopen', async () => {
    const file = newFile();
    const first = SqliteTaskStore.open(file);
    await first.insert(FULL);
    await first.update({ ...FULL, status: 'COMPLETED', error: null, errorCode: null });
    await first.close();
    const again = SqliteTaskStore.open(file);
    expect(await again.get('full')).toEqual({ ...FULL, status: 'COMPLETED', error: null, errorCode: null });
    await again.close();
  });

  it('migrates an existing version-1 file without losing rows', async () => {
    const file = newFile();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const raw = new Database(file);
    migrate(raw, 1);
    expect(schemaVersion(raw)).toBe(1);
    raw
      .prepare(
        `INSERT INTO tasks (id, kind, prompt, model, aspect, status, images, created_at, updated_at, deadline_at, owner)
         VALUES ('v1', 'IMAGE', 'old prompt', 'MAI1', 'PORTRAIT', 'PROCESSING', '["u"]', 1, 2, 3, 'key-9')`,
      )
      .run();
    raw.close();

    const store = SqliteTaskStore.open(file);
    expect(await store.get('v1')).toEqual(
      task({
        id: 'v1',
        prompt: 'old prompt',
        model: 'MAI1',
        aspect: 'PORTRAIT',
        status: 'PROCESSING',
        images: ['u'],
        createdAt: 1,
        updatedAt: 2,
        deadlineAt: 3,
        owner: 'key-9',
      }),
    );
    expect((await store.page({ first: 5, owner: 'key-9' })).tasks.map((t) => t.id)).toEqual(['v1']);
    await store.close();

    const check = new Database(file, { readonly: true });
    expect(schemaVersion(check)).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(2);
    const indexes = check
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tasks' AND sql IS NOT NULL`)
      .pluck()
      .all();
    expect(indexes).toContain('tasks_owner_created');
    expect(indexes).not.toContain('tasks_owner');
    check.close();
  });

  it('refuses a file from a newer schema', async () => {
    const file = newFile();
    SqliteTaskStore.open(file).close();
    const raw = new Database(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => SqliteTaskStore.open(file)).toThrow(/newer/);
  });

  it('runs in WAL mode', async () => {
    const file = newFile();
    const store = SqliteTaskStore.open(file);
    await store.insert(task());
    const raw = new Database(file);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    raw.close();
    await store.close();
  });

  it('opens :memory:', async () => {
    const store = SqliteTaskStore.open(':memory:');
    await store.insert(task());
    expect(await store.get('task-1')).toEqual(task());
    await store.close();
  });
});
