/**
 * Cluster mode: a subscriber that goes away lets go at once of the task's Redis subscription (PUBSUB
 * NUMSUB of its channel) and of its lease under the per-key limit (the key's sorted set), while the task
 * still runs; the places it held are taken again at once.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { subscribe, type Subscriber } from '../durability/subscriber.js';
import { createVideo, readTask } from '../durability/tasks.js';
import type { ServerProcess } from '../durability/server-process.js';
import { openSse } from '../support/sse.js';
import { deploy, sse, type Deployment } from './instances.js';

const LIMIT = 2;

let deployment: Deployment;
let server: ServerProcess;
let redis: Redis;

beforeAll(async () => {
  deployment = await deploy({ MAX_SUBSCRIPTIONS_PER_KEY: String(LIMIT) });
  server = await deployment.instance();
  redis = new Redis(deployment.redis.url);
});
afterAll(async () => {
  redis.disconnect();
  await deployment.close();
});

const prefix = () => deployment.env['REDIS_PREFIX'];

/** Local subscribers of the task's channel, over every instance's connection. */
async function listening(id: string): Promise<number> {
  const [, count] = (await redis.pubsub('NUMSUB', `${prefix()}:task:${id}`)) as [string, number];
  return Number(count);
}

/** Subscription leases held, over every key. */
async function leases(): Promise<number> {
  const keys = await redis.keys(`${prefix()}:subs:*`);
  const counts = await Promise.all(keys.map((key) => redis.zcard(key)));
  return counts.reduce((sum, count) => sum + count, 0);
}

async function refused(id: string): Promise<void> {
  const events = await sse(server.url, 'videoTaskUpdated', id);
  expect(events[0]?.errors).toEqual([
    expect.objectContaining({ extensions: expect.objectContaining({ code: 'RATE_LIMITED' }) }),
  ]);
}

async function openWs(id: string): Promise<Subscriber> {
  const subscriber = subscribe(server.url, 'videoTaskUpdated', id);
  await vi.waitFor(() => expect(subscriber.updates[0]).toMatchObject({ id, status: 'PROCESSING' }), {
    timeout: 10_000,
  });
  return subscriber;
}

it('releases the Redis subscription and the lease of a subscriber that disconnects, before the task changes', async () => {
  const id = await createVideo(server.url, 'a very long watch [sim:ms=600000]');
  const before = await readTask(server.url, id);
  expect(before.status).toBe('PROCESSING');
  const listeners = await listening(id);
  expect(await leases()).toBe(0);

  // Over graphql-ws: the socket closes.
  const ws = [await openWs(id), await openWs(id)];
  expect(await listening(id)).toBe(1);
  expect(await leases()).toBe(LIMIT);
  await refused(id);
  for (const subscriber of ws) await subscriber.dispose();
  await vi.waitFor(
    async () => {
      expect(await leases()).toBe(0);
      expect(await listening(id)).toBe(listeners);
    },
    { timeout: 5_000 },
  );

  // Over SSE: the request is aborted. The places freed above are taken again at once.
  const streams = await Promise.all(
    Array.from({ length: LIMIT }, () =>
      openSse<{ data?: { videoTaskUpdated: { status: string } } }>(
        server.url,
        'subscription ($id: ID!) { videoTaskUpdated(id: $id) { status } }',
        { id },
      ),
    ),
  );
  for (const { first } of streams) expect(first.data?.videoTaskUpdated.status).toBe('PROCESSING');
  expect(await leases()).toBe(LIMIT);
  expect(await listening(id)).toBe(1);
  for (const { abort } of streams) abort();
  await vi.waitFor(
    async () => {
      expect(await leases()).toBe(0);
      expect(await listening(id)).toBe(listeners);
    },
    { timeout: 5_000 },
  );

  const after = await readTask(server.url, id);
  expect(after).toEqual(before);
});
