/**
 * The per-key subscription limit across instances on one real Redis: subscriptions held on two instances
 * count together, a release frees one at once, open ones are renewed, and a dead holder's lapse.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { commandConnection } from '../../src/cluster/redis.js';
import { ClusterSubscriptions } from '../../src/cluster/subscriptions.js';
import { startRedis, type RedisServer } from './redis-server.js';

let server: RedisServer;
let prefixes = 0;
const open: Array<{ subscriptions: ClusterSubscriptions; connection: Redis }> = [];

beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  for (const { subscriptions, connection } of open.splice(0)) {
    subscriptions.close();
    connection.disconnect();
  }
});

async function instance(prefix: string, limit: number, leaseMs?: number): Promise<ClusterSubscriptions> {
  const connection = commandConnection({ url: server.url, prefix });
  connection.on('error', () => undefined);
  await connection.connect();
  const subscriptions = new ClusterSubscriptions(connection, prefix, limit, leaseMs);
  open.push({ subscriptions, connection });
  return subscriptions;
}

const refused = { code: 'RATE_LIMITED', message: expect.stringContaining('limit is 2') };

it('counts the subscriptions of every instance against one limit per key, and frees one on release', async () => {
  const prefix = `s${++prefixes}`;
  const a = await instance(prefix, 2);
  const b = await instance(prefix, 2);
  const first = await a.hold('caller');
  await b.hold('caller');
  await expect(a.hold('caller')).rejects.toMatchObject(refused);
  await expect(b.hold('caller')).rejects.toMatchObject(refused);
  // Another key has its own limit.
  await expect(b.hold('other')).resolves.toBeTypeOf('function');
  first();
  first(); // a second release is a no-op, not a second slot
  await expect
    .poll(
      () =>
        b.hold('caller').then(
          () => true,
          () => false,
        ),
      { timeout: 5_000 },
    )
    .toBe(true);
  await expect(a.hold('caller')).rejects.toMatchObject(refused);
});

it('renews the leases of open subscriptions, so they outlast their lease period', async () => {
  const prefix = `s${++prefixes}`;
  const a = await instance(prefix, 1, 600);
  await a.hold('caller');
  const watcher = new Redis(server.url);
  try {
    const key = `${prefix}:subs:caller`;
    const [, first] = await watcher.zrange(key, 0, 0, 'WITHSCORES');
    // Renewed past two whole lease periods: the lease moved forward and is still the only one.
    await expect
      .poll(async () => Number((await watcher.zrange(key, 0, 0, 'WITHSCORES'))[1]), { timeout: 10_000 })
      .toBeGreaterThan(Number(first) + 1_200);
    expect(await watcher.zcard(key)).toBe(1);
    await expect(a.hold('caller')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
  } finally {
    watcher.disconnect();
  }
});

it("lets a dead holder's leases lapse, so the limit leaks nothing", async () => {
  const prefix = `s${++prefixes}`;
  const dead = await instance(prefix, 1, 500);
  const alive = await instance(prefix, 1, 500);
  await dead.hold('caller');
  dead.close(); // no more renewals, as when its process dies
  await expect(alive.hold('caller')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
  await expect
    .poll(
      () =>
        alive.hold('caller').then(
          () => true,
          () => false,
        ),
      { timeout: 5_000 },
    )
    .toBe(true);
});

it('fails with UNAVAILABLE, not a hang, while Redis cannot be reached', async () => {
  const connection = commandConnection({ url: 'redis://127.0.0.1:1', prefix: 'gone' });
  connection.on('error', () => undefined);
  const subscriptions = new ClusterSubscriptions(connection, 'gone', 1);
  open.push({ subscriptions, connection });
  await expect(subscriptions.hold('caller')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
});
