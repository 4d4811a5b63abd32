/**
 * Benchmark: what a task write costs in the Redis store (cluster mode) beside the SQLite store (one process),
 * both durable per write: SQLite in WAL mode with synchronous=FULL, Redis with appendonly yes and appendfsync
 * always (the README's recipe). A task's life is one insert and four updates, as the service writes them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { boundedConnection } from '../src/cluster/redis.js';
import { RedisTaskStore } from '../src/cluster/task-store.js';
import { SqliteTaskStore } from '../src/tasks/sqlite-store.js';
import type { ImageTask, Task } from '../src/tasks/task.js';
import { startRedis } from '../test/cluster/redis-server.js';
import {
  measure,
  type BenchOptions,
  type Benchmark,
  type Goal,
  type Measurement,
  type RunResult,
} from './benchmark.js';
import { percentile } from './stats.js';

const TABLE = 'Task store: one write';

interface Writable {
  insert(task: Task): unknown;
  update(task: Task): unknown;
  get(id: string): unknown;
}

function settings(options: BenchOptions) {
  return options.quick ? { tasks: 200, concurrency: 16 } : { tasks: 2_000, concurrency: 64 };
}

/** The service's five writes of one image task: created, submitted, two progress saves, completed. */
function lifeOf(index: number, run: number): Task[] {
  const id = `bench-${run}-${index}-${Math.random().toString(36).slice(2)}`;
  const now = Date.now();
  const base = {
    id,
    kind: 'IMAGE',
    prompt: `a lighthouse on a cliff at dusk, oil painting, number ${index}`,
    revisedPrompt: null,
    model: 'DALLE',
    aspect: 'SQUARE',
    bingRequestId: null,
    account: null,
    status: 'PROCESSING',
    images: [],
    error: null,
    errorCode: null,
    createdAt: now,
    updatedAt: now,
    completedAt: null,
    deadlineAt: now + 300_000,
    owner: 'key-1',
  } as ImageTask;
  const submitted: ImageTask = {
    ...base,
    bingRequestId: `1-${'0'.repeat(32)}`,
    account: 'abcdef123456',
    updatedAt: now + 1,
  };
  const images = Array.from({ length: 4 }, (_, i) => `https://tse1.mm.bing.net/th/id/OIG${i}.${id}?pid=ImgGn`);
  return [
    base,
    submitted,
    { ...submitted, updatedAt: now + 2 },
    { ...submitted, revisedPrompt: 'a lighthouse on a cliff', updatedAt: now + 3 },
    { ...submitted, status: 'COMPLETED', images, updatedAt: now + 4, completedAt: now + 4 },
  ];
}

/** Microseconds per write, one write at a time (a generation's own latency). */
async function sequential(store: Writable, lives: Task[][]): Promise<number[]> {
  const samples: number[] = [];
  for (const life of lives) {
    for (const [i, version] of life.entries()) {
      const started = performance.now();
      await (i === 0 ? store.insert(version) : store.update(version));
      samples.push((performance.now() - started) * 1000);
    }
  }
  return samples;
}

/** Writes per second with `concurrency` generations writing at once (the server's load). */
async function concurrent(store: Writable, lives: Task[][], concurrency: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let life = lives[next++]; life; life = lives[next++]) {
        for (const [i, version] of life.entries()) await (i === 0 ? store.insert(version) : store.update(version));
      }
    }),
  );
  return (lives.length * 5) / ((performance.now() - started) / 1000);
}

async function run(options: BenchOptions, index: number): Promise<RunResult> {
  const { tasks, concurrency } = settings(options);
  const measurements: Measurement[] = [];
  const problems: string[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-store-'));
  const redis = await startRedis();
  const connection = boundedConnection({ url: redis.url, prefix: 'bench' }, 10_000);
  await connection.connect();
  try {
    const stores: Array<[string, Writable, () => void]> = [
      ['SQLite (WAL, synchronous=FULL)', SqliteTaskStore.open(path.join(dir, 'tasks.sqlite')), () => undefined],
      ['Redis (AOF, appendfsync always)', new RedisTaskStore(connection, `bench${index}`), () => undefined],
    ];
    for (const [row, store] of stores) {
      const samples = await sequential(
        store,
        Array.from({ length: tasks }, (_, i) => lifeOf(i, index)),
      );
      const perSecond = await concurrent(
        store,
        Array.from({ length: tasks }, (_, i) => lifeOf(i + tasks, index)),
        concurrency,
      );
      const last = lifeOf(0, index);
      await store.insert(last[0]!);
      if (!(await store.get(last[0]!.id))) problems.push(`${row}: a written task could not be read back`);
      measurements.push(
        ...measure(TABLE, row, { 'p50 (µs)': percentile(samples, 0.5), 'p99 (µs)': percentile(samples, 0.99) }, 0),
        ...measure(TABLE, row, { [`writes/s, ${concurrency} at once`]: perSecond }, 0),
      );
    }
  } finally {
    connection.disconnect();
    await redis.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { measurements, problems };
}

export const clusterStoreBenchmark: Benchmark = {
  id: 'cluster-store',
  title: '6. Task store: Redis beside SQLite',
  describe(options) {
    const { tasks, concurrency } = settings(options);
    return [
      `Each store takes ${tasks} task lives of five writes (insert, then four updates: submitted, two saves, completed with four image URLs), first one write at a time (the latency a generation waits per write), then ${tasks} more lives with ${concurrency} writing at once (throughput). The writes are the service's own shapes; nothing is batched.`,
      "SQLite: the server's default file store (WAL, synchronous=FULL: one fsync per commit) in a temporary directory. Redis: the cluster store on a local redis-server 7 started by the benchmark (appendonly yes, appendfsync always: an fsync before each answer), over loopback, each write one Lua script that keeps the task and its five index entries consistent. Both on the same disk; what it varies is the store, not the task.",
      'No goal: the figure says what a write costs in cluster mode, beside a generation that takes seconds to minutes.',
    ];
  },
  run,
  goals(): Goal[] {
    return [];
  },
};
