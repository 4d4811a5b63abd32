/**
 * The generation queue and its shared limits with two queue instances on one real Redis: the cluster-wide
 * Bing slots, the per-key limits and the queue bound across both, leases that lapse when their holder dies,
 * a takeover that sees the saved Bing id, and a stop that hands a running job straight to the other instance.
 */
import type { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { ClusterJobs } from '../../src/cluster/jobs.js';
import { LEASE_MARGIN_MS, type SharedLimits } from '../../src/cluster/limits.js';
import { commandConnection, waitingConnection } from '../../src/cluster/redis.js';
import type { Attempt, Work } from '../../src/tasks/queue.js';
import { startRedis, type RedisServer } from './redis-server.js';

let server: RedisServer;
let prefixes = 0;
const open: Array<{ jobs: ClusterJobs; connections: Redis[] }> = [];
const log = pino({ level: 'silent' });

beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  await server.close();
});
afterEach(async () => {
  for (const { jobs, connections } of open.splice(0)) {
    await jobs.stop().catch(() => undefined);
    for (const connection of connections) connection.disconnect();
  }
});

const LIMITS: SharedLimits = {
  perMinute: 1_000,
  inFlightPerKey: 1_000,
  inFlight: 2,
  queueMax: 100,
  subscriptionsPerKey: 100,
};

async function instance(
  prefix: string,
  limits: Partial<SharedLimits> = {},
  lockMs = 1_000,
): Promise<ClusterJobs & { connections: Redis[] }> {
  const settings = { url: server.url, prefix };
  const commands = commandConnection(settings);
  const waiting = waitingConnection(settings);
  const connections = [commands, waiting];
  for (const c of connections) c.on('error', () => undefined);
  await Promise.all(connections.map((c) => c.connect()));
  const jobs = new ClusterJobs(commands, waiting, { prefix, limits: { ...LIMITS, ...limits }, lockMs, log });
  open.push({ jobs, connections });
  return Object.assign(jobs, { connections });
}

const work = (taskId: string, client = 'caller'): Work => ({ taskId, client });
const inAMinute = () => Date.now() + 60_000;

it('runs no more generations at once than the cluster has slots, across both instances', async () => {
  const prefix = `p${++prefixes}`;
  const [a, b] = [await instance(prefix), await instance(prefix)];
  let running = 0;
  let most = 0;
  const ran: string[] = [];
  const run = async (w: Work) => {
    running++;
    most = Math.max(most, running);
    await new Promise((resolve) => setTimeout(resolve, 100));
    running--;
    ran.push(w.taskId);
  };
  await a.start(run);
  await b.start(run);
  for (let i = 0; i < 8; i++) await (i % 2 ? a : b).enqueue(work(`t${i}`));
  await expect.poll(() => ran.length, { timeout: 10_000 }).toBe(8);
  expect(most).toBe(2);
});

it('holds the per-key in-flight limit, the rate and the queue bound across instances, and frees them on release', async () => {
  const prefix = `p${++prefixes}`;
  const limits = { inFlightPerKey: 2, perMinute: 1_000, inFlight: 1, queueMax: 2 };
  const [a, b] = [await instance(prefix, limits), await instance(prefix, limits)];
  expect(await a.admit(work('1'), inAMinute())).toEqual({ slotFree: true });
  expect(await b.admit(work('2'), inAMinute())).toEqual({ slotFree: false });
  await expect(a.admit(work('3'), inAMinute())).rejects.toMatchObject({
    code: 'RATE_LIMITED',
    message: expect.stringContaining('in flight'),
  });
  // Another caller: its own in-flight count, but the queue (1 slot + 2 waiting) has one place left.
  expect(await b.admit(work('4', 'other'), inAMinute())).toEqual({ slotFree: false });
  await expect(a.admit(work('5', 'third'), inAMinute())).rejects.toMatchObject({
    code: 'RATE_LIMITED',
    message: expect.stringContaining('queue is full'),
  });
  await b.finished(work('1'));
  expect(await a.admit(work('3'), inAMinute())).toEqual({ slotFree: false });

  const rated = [await instance(`p${++prefixes}`, { perMinute: 2 }), await instance(`p${prefixes}`, { perMinute: 2 })];
  await rated[0]!.admit(work('r1'), inAMinute());
  await rated[1]!.admit(work('r2'), inAMinute());
  await expect(rated[0]!.admit(work('r3'), inAMinute())).rejects.toMatchObject({
    code: 'RATE_LIMITED',
    retryAfterSeconds: 30,
  });
});

it('lets a lease lapse at its deadline, so a dead holder leaks nothing', async () => {
  const prefix = `p${++prefixes}`;
  const a = await instance(prefix, { inFlightPerKey: 1 });
  // Held by "an instance that died": never released, lapsing 300 ms from now.
  await a.admit(work('held'), Date.now() - LEASE_MARGIN_MS + 300);
  await expect(a.admit(work('next'), inAMinute())).rejects.toMatchObject({ code: 'RATE_LIMITED' });
  await expect
    .poll(
      () =>
        a.admit(work('next'), inAMinute()).then(
          () => true,
          () => false,
        ),
      { timeout: 5_000, interval: 100 },
    )
    .toBe(true);
});

it("takes over a dead instance's job and resumes from the Bing id it saved", async () => {
  const prefix = `p${++prefixes}`;
  const a = await instance(prefix);
  const b = await instance(prefix);
  const seen: Array<{ on: string; requestId: string | null; submitBegun: boolean }> = [];
  let submittedOnA!: () => void;
  const accepted = new Promise<void>((resolve) => (submittedOnA = resolve));
  await a.start(async (_w, attempt: Attempt) => {
    seen.push({ on: 'a', requestId: attempt.requestId, submitBegun: attempt.submitBegun });
    await attempt.submitting();
    await attempt.submitted('1-abc', 'acct');
    submittedOnA();
    // Dies mid-poll: its connections go below; it only lets go when the test's cleanup stops it.
    await new Promise((resolve) => attempt.signal.addEventListener('abort', resolve));
  });
  await a.enqueue(work('t1'));
  await accepted;
  for (const connection of a.connections) connection.disconnect();

  const resumed = new Promise<Attempt>((resolve) => void b.start(async (_w, attempt) => resolve(attempt)));
  const attempt = await resumed;
  expect(seen).toEqual([{ on: 'a', requestId: null, submitBegun: false }]);
  expect(attempt).toMatchObject({ requestId: '1-abc', account: 'acct' });
});

it('hands a running job back at stop, so the other instance takes it without waiting for the lock', async () => {
  const prefix = `p${++prefixes}`;
  const a = await instance(prefix, {}, 30_000);
  const b = await instance(prefix, {}, 30_000);
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  await a.start(async (_w, attempt) => {
    await attempt.submitting();
    started();
    await new Promise((resolve) => attempt.signal.addEventListener('abort', resolve));
  });
  await a.enqueue(work('t1'));
  await running;
  const stoppedAt = Date.now();
  await a.stop();
  const taken = await new Promise<Attempt>((resolve) => void b.start(async (_w, attempt) => resolve(attempt)));
  expect(taken.submitBegun).toBe(true);
  expect(Date.now() - stoppedAt).toBeLessThan(10_000);
});

it('fails fast with UNAVAILABLE while Redis is away, and admits again once it is back', async () => {
  const prefix = `p${++prefixes}`;
  const a = await instance(prefix);
  await server.stop();
  try {
    const started = Date.now();
    await expect(a.admit(work('1'), inAMinute())).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(a.enqueue(work('1'))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(Date.now() - started).toBeLessThan(1_000);
  } finally {
    await server.start();
  }
  await expect
    .poll(
      () =>
        a.admit(work('2'), inAMinute()).then(
          () => true,
          () => false,
        ),
      { timeout: 10_000, interval: 100 },
    )
    .toBe(true);
});
