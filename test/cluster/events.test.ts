/**
 * Task events across two instances' Redis connections: a watcher on one sees what the other publishes, the
 * current state first, never an older state after a newer one, one Redis subscription per task, none left
 * once the watchers are gone, and the current state again after Redis came back.
 */
import type { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { RedisTaskEvents } from '../../src/cluster/events.js';
import { watchTask } from '../../src/tasks/events.js';
import { commandConnection, waitingConnection } from '../../src/cluster/redis.js';
import type { Task } from '../../src/tasks/task.js';
import { startRedis, type RedisServer } from './redis-server.js';

let server: RedisServer;
const connections: Redis[] = [];
const log = pino({ level: 'silent' });

beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  for (const connection of connections.splice(0)) connection.disconnect();
});

async function instance(
  prefix = 'e',
  current: (id: string) => Promise<Task | undefined> = async () => undefined,
): Promise<{ events: RedisTaskEvents; subscriber: Redis; publisher: Redis }> {
  const settings = { url: server.url, prefix };
  const publisher = commandConnection(settings);
  const subscriber = waitingConnection(settings);
  for (const c of [publisher, subscriber]) {
    c.on('error', () => undefined);
    connections.push(c);
  }
  await Promise.all([publisher.connect(), subscriber.connect()]);
  return { events: new RedisTaskEvents(publisher, subscriber, prefix, current, log), subscriber, publisher };
}

function task(status: Task['status'], updatedAt: number, id = 't1'): Task {
  return {
    id,
    kind: 'VIDEO',
    prompt: 'p',
    revisedPrompt: null,
    aspect: 'LANDSCAPE',
    bingRequestId: null,
    account: null,
    status,
    video: null,
    mode: null,
    width: null,
    height: null,
    durationSeconds: null,
    error: null,
    errorCode: null,
    createdAt: 1,
    updatedAt,
    completedAt: status === 'COMPLETED' ? updatedAt : null,
    deadlineAt: 1e13,
    owner: null,
  } as Task;
}

async function channels(redis: Redis): Promise<string[]> {
  return ((await redis.pubsub('CHANNELS', '*')) as string[]).sort();
}

it("sees another instance's changes after the current state, skips stale ones, ends on a terminal state", async () => {
  const a = await instance();
  const b = await instance();
  let stored = task('QUEUED', 1);
  const seen: string[] = [];
  const watching = (async () => {
    for await (const t of await watchTask(b.events, 't1', async () => stored)) seen.push(`${t.status}@${t.updatedAt}`);
  })();
  await expect.poll(() => channels(a.publisher)).toEqual(['e:task:t1']);
  await a.events.publish(task('QUEUED', 1)); // the same state again: not repeated
  await a.events.publish(task('PROCESSING', 3));
  await a.events.publish(task('QUEUED', 2)); // older than what was seen: skipped
  stored = task('COMPLETED', 4);
  await a.events.publish(stored);
  await watching;
  expect(seen).toEqual(['QUEUED@1', 'PROCESSING@3', 'COMPLETED@4']);
  await expect.poll(() => channels(a.publisher)).toEqual([]);
});

it('holds one Redis subscription per task for any number of watchers, and ends at once for a finished task', async () => {
  const a = await instance('one');
  const watchers = await Promise.all(
    Array.from({ length: 20 }, () => watchTask(a.events, 't2', async () => task('PROCESSING', 1, 't2'))),
  );
  const firsts = await Promise.all(watchers.map((w) => w.next()));
  expect(firsts.every((r) => r.value?.status === 'PROCESSING')).toBe(true);
  expect(await channels(a.publisher)).toEqual(['one:task:t2']);
  const rest = watchers.map(async (w) => {
    const statuses: string[] = [];
    for (let r = await w.next(); !r.done; r = await w.next()) statuses.push(r.value.status);
    return statuses;
  });
  await a.events.publish(task('FAILED', 2, 't2'));
  expect(await Promise.all(rest)).toEqual(Array.from({ length: 20 }, () => ['FAILED']));
  await expect.poll(() => channels(a.publisher)).toEqual([]);

  const done: string[] = [];
  for await (const t of await watchTask(a.events, 't3', async () => task('COMPLETED', 5, 't3'))) done.push(t.status);
  expect(done).toEqual(['COMPLETED']);
  const none: string[] = [];
  for await (const t of await watchTask(a.events, 't4', async () => undefined)) none.push(t.status);
  expect(none).toEqual([]);
});

it('reads the current state again when Redis comes back, so a change published during the outage is not missed', async () => {
  let stored = task('PROCESSING', 1);
  const a = await instance('outage', async () => stored);
  const watcher = await watchTask(a.events, 't1', async () => stored);
  expect((await watcher.next()).value?.status).toBe('PROCESSING');
  const next = watcher.next();
  await server.stop();
  stored = task('COMPLETED', 2); // written while nobody could hear of it
  await server.start();
  expect((await next).value?.status).toBe('COMPLETED');
  expect((await watcher.next()).done).toBe(true);
});

it("drops the task's Redis subscription as soon as its watchers stop, while they wait for a change", async () => {
  // Nothing is published: the release cannot wait for a change.
  const a = await instance('gone');
  const watchers = await Promise.all(
    Array.from({ length: 3 }, () => watchTask(a.events, 't5', async () => task('PROCESSING', 1, 't5'))),
  );
  for (const watcher of watchers) expect((await watcher.next()).value?.status).toBe('PROCESSING');
  const pending = watchers.map((watcher) => watcher.next());
  expect(await channels(a.publisher)).toEqual(['gone:task:t5']);
  await watchers[0]!.return();
  await watchers[1]!.return();
  // One watcher left: the subscription stays for it.
  expect(await channels(a.publisher)).toEqual(['gone:task:t5']);
  await watchers[2]!.return();
  await expect.poll(() => channels(a.publisher)).toEqual([]);
  expect(await Promise.all(pending)).toEqual(Array.from({ length: 3 }, () => ({ done: true, value: undefined })));
});
