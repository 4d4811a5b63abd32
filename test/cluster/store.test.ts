/**
 * The Redis task store against a real redis-server: the same answers as the memory store for the same
 * writes (pages, filters, cursors, status lists, sweep, cap), and tasks that survive a Redis crash.
 */
import { freshRecord } from '../../src/accounts/account.js';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { boundedConnection } from '../../src/cluster/redis.js';
import { RedisTaskStore } from '../../src/cluster/task-store.js';
import { MemoryTaskStore } from '../../src/tasks/memory-store.js';
import type { TaskPageQuery } from '../../src/tasks/store.js';
import type { Task, TaskStatus } from '../../src/tasks/task.js';
import { startRedis, type RedisServer } from './redis-server.js';

let server: RedisServer;
let redis: Redis;
let prefixes = 0;
let store: RedisTaskStore;

beforeAll(async () => {
  server = await startRedis();
  redis = boundedConnection({ url: server.url, prefix: 'x' }, 5_000);
  await redis.connect();
});
afterAll(async () => {
  redis.disconnect();
  await server.close();
});
beforeEach(() => {
  store = new RedisTaskStore(redis, `t${++prefixes}`);
});

function task(over: Record<string, unknown> = {}): Task {
  return {
    id: 'task-1',
    kind: 'IMAGE',
    prompt: 'a lighthouse at dusk',
    revisedPrompt: null,
    model: 'DALLE',
    aspect: 'SQUARE',
    bingRequestId: null,
    account: null,
    status: 'QUEUED',
    images: [],
    video: null,
    error: null,
    errorCode: null,
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
    completedAt: null,
    deadlineAt: 1_700_000_300_000,
    owner: null,
    ...over,
  } as Task;
}

it('round-trips every field, refuses a duplicate id and ignores an update of an unknown one', async () => {
  const full = task({
    id: 'full',
    kind: 'VIDEO',
    prompt: 'ünïcode ✓ and "quotes"',
    revisedPrompt: 'r',
    bingRequestId: '4-abc',
    account: 'fp',
    status: 'FAILED',
    images: ['https://example.com/1.jpg'],
    video: 'https://example.com/v.mp4',
    error: 'no',
    errorCode: 'PROMPT_REJECTED',
    completedAt: 1_700_000_060_000,
    owner: 'key-1',
  });
  await store.insert(full);
  expect(await store.get('full')).toEqual(full);
  await expect(store.insert(full)).rejects.toThrow('already exists');
  await store.update(task({ id: 'ghost' }));
  expect(await store.get('ghost')).toBeUndefined();
  const done = { ...full, status: 'COMPLETED' as const, errorCode: null, error: null, createdAt: 5 };
  await store.update(done);
  expect(await store.get('full')).toEqual(done);
  expect((await store.page({ first: 10, status: 'FAILED' })).tasks).toEqual([]);
  expect((await store.page({ first: 10, status: 'COMPLETED' })).tasks).toEqual([done]);
});

it("keeps the account pool's records in one hash, the last write winning", async () => {
  const record = { ...freshRecord('fp-1', 'main', 1_700_000_000_000), lastErrorCode: 'RATE_LIMITED', strikes: 2 };
  expect(await store.loadAccounts()).toEqual([]);
  await store.saveAccount(freshRecord('fp-1', 'old label', 0));
  await store.saveAccount(record);
  expect(await store.loadAccounts()).toEqual([record]);
});

describe('page', () => {
  const all: Task[] = [];
  for (let i = 0; i < 90; i++) {
    all.push(
      task({
        id: `t${String(i).padStart(2, '0')}`,
        createdAt: 1000 + Math.floor(i / 2),
        kind: i % 3 === 0 ? 'VIDEO' : 'IMAGE',
        status: (['QUEUED', 'PROCESSING', 'COMPLETED', 'FAILED'] as const)[i % 4],
        owner: i % 5 === 0 ? null : `key-${i % 2}`,
      }),
    );
  }
  let memory: MemoryTaskStore;
  beforeEach(async () => {
    memory = new MemoryTaskStore();
    for (const t of [...all].reverse()) {
      await store.insert(t);
      await memory.insert(t);
    }
  });

  async function walk(
    query: Omit<TaskPageQuery, 'after'>,
    read: (q: TaskPageQuery) => Promise<{ tasks: Task[]; hasNextPage: boolean; cursors: string[] }>,
  ) {
    const ids: string[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < 200; pages++) {
      const page = await read({ ...query, after });
      ids.push(...page.tasks.map((t) => t.id));
      if (!page.hasNextPage) return ids;
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
    { first: 100 },
  ])('walks like the memory store: %o', async (query) => {
    const expected = await walk(query, (q) => memory.page(q));
    expect(expected.length).toBeGreaterThan(0);
    expect(await walk(query, (q) => store.page(q))).toEqual(expected);
  });

  it('answers first = 0 and refuses a malformed cursor', async () => {
    expect(await store.page({ first: 0 })).toEqual({ tasks: [], cursors: [], hasNextPage: true });
    await expect(store.page({ first: 5, after: 'garbage!' })).rejects.toThrow(new TypeError('Invalid cursor'));
  });
});

it('lists and counts by status oldest first, sweeps and caps like the memory store', async () => {
  const memory = new MemoryTaskStore();
  const tasks = [
    task({ id: 'p1', status: 'PROCESSING', createdAt: 1 }),
    task({ id: 'q1', status: 'QUEUED', createdAt: 2 }),
    task({ id: 'c-late', status: 'COMPLETED', createdAt: 3, completedAt: 500 }),
    task({ id: 'f-early', status: 'FAILED', createdAt: 9, completedAt: 100 }),
    task({ id: 'c-tie-b', status: 'COMPLETED', createdAt: 6, completedAt: 200 }),
    task({ id: 'c-tie-a', status: 'COMPLETED', createdAt: 5, completedAt: 200 }),
    task({ id: 'c-none', status: 'COMPLETED', createdAt: 4, completedAt: null }),
    task({ id: 'p2', status: 'PROCESSING', createdAt: 10 }),
  ];
  for (const t of tasks) {
    await store.insert(t);
    await memory.insert(t);
  }
  const live: TaskStatus[] = ['QUEUED', 'PROCESSING'];
  expect((await store.withStatus(live)).map((t) => t.id)).toEqual((await memory.withStatus(live)).map((t) => t.id));
  expect(await store.countWithStatus(live)).toBe(3);
  expect(await store.countWithStatus(['COMPLETED', 'FAILED'])).toBe(5);
  const ids = async () => (await store.page({ first: 100 })).tasks.map((t) => t.id).sort();
  const memoryIds = async () => (await memory.page({ first: 100 })).tasks.map((t) => t.id).sort();

  expect(await store.deleteFinishedBefore(200)).toBe(await memory.deleteFinishedBefore(200));
  expect(await ids()).toEqual(await memoryIds());
  expect(await store.enforceCap(5)).toBe(await memory.enforceCap(5));
  expect(await ids()).toEqual(await memoryIds());
  expect(await store.enforceCap(0)).toBe(await memory.enforceCap(0));
  expect(await ids()).toEqual(['p1', 'p2', 'q1']);
});

it('sweeps in batches past the batch size', async () => {
  const pipeline: Array<Promise<void>> = [];
  for (let i = 0; i < 1_200; i++)
    pipeline.push(store.insert(task({ id: `d${i}`, status: 'COMPLETED', createdAt: i, completedAt: i })));
  await Promise.all(pipeline);
  expect(await store.deleteFinishedBefore(1_100)).toBe(1_100);
  expect(await store.enforceCap(20)).toBe(80);
  expect(await store.countWithStatus(['COMPLETED'])).toBe(20);
});

it('keeps every acknowledged write across a SIGKILL of Redis', async () => {
  const written: Task[] = [];
  for (let i = 0; i < 50; i++) {
    const t = task({ id: `k${i}`, createdAt: i });
    await store.insert(t);
    written.push(t);
  }
  await server.kill();
  await server.start();
  await expect.poll(() => redis.status, { timeout: 10_000 }).toBe('ready');
  for (const t of written) expect(await store.get(t.id)).toEqual(t);
});

it('rejects with UNAVAILABLE once its deadline passes while Redis is away', async () => {
  const away = boundedConnection({ url: 'redis://127.0.0.1:1', prefix: 'x' }, 200);
  away.on('error', () => undefined);
  const unreachable = new RedisTaskStore(away, 'gone');
  try {
    await expect(unreachable.get('x')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  } finally {
    away.disconnect();
  }
});

describe('learned poll timing', () => {
  it('is one value per prefix, shared by every store on it', async () => {
    expect(await store.loadSchedule()).toBeUndefined();
    const data = { version: 1, kinds: { GPT4O: [[20_000, 20_900]] } };
    await store.saveSchedule(data);
    const other = new RedisTaskStore(redis, `t${prefixes}`);
    expect(await other.loadSchedule()).toEqual(data);
    expect(await new RedisTaskStore(redis, `t${prefixes}-other`).loadSchedule()).toBeUndefined();
  });
});
