/**
 * Requests to Bing through a real local proxy: HTTP(S)_PROXY for every account, an account's own proxy
 * with credentials, NO_PROXY, and proxies that refuse, demand other credentials or are not there at all.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { closedPort, startProxy, type TestProxy } from '../support/proxy.js';
import { COOKIE, Clients, failure } from './harness.js';

let sim: Simulator;
const clients = new Clients(() => sim);
const proxies: TestProxy[] = [];

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0.01 });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());
afterEach(async () => {
  await clients.closeAll();
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
});

async function proxy(options?: Parameters<typeof startProxy>[0]): Promise<TestProxy> {
  const started = await startProxy(options);
  proxies.push(started);
  return started;
}

const image = (prompt: string) => ({ prompt, model: 'DALLE' as const, aspect: 'SQUARE' as const });
const simHost = () => new URL(sim.url).host;

describe('HTTP_PROXY', () => {
  it('carries every request of an image and of a video', async () => {
    const via = await proxy();
    const client = clients.make({ proxy: { httpProxy: via.url } });
    await client.createImage(image('a fox [sim:ms=50]'));
    await client.createVideo({ prompt: 'a fox runs [sim:ms=50]', aspect: 'LANDSCAPE' });
    expect(via.records.length).toBeGreaterThan(0);
    expect(via.records.every((record) => record.method === 'CONNECT' && record.target === simHost())).toBe(true);
    // Every request the simulator saw came through the tunnel, and nothing went around it.
    expect(via.tunnelled).toHaveLength(sim.requests.length);
    expect(sim.requests.length).toBeGreaterThan(4);
  });

  it('is not used for a host NO_PROXY names', async () => {
    const via = await proxy();
    const client = clients.make({ proxy: { httpProxy: via.url, noProxy: 'example.org, 127.0.0.1' } });
    await client.createImage(image('a fox [sim:ms=20]'));
    expect(via.records).toEqual([]);
    expect(sim.submits()).toHaveLength(1);
  });

  it('HTTPS_PROXY alone is for https origins, not this http one', async () => {
    const via = await proxy();
    const client = clients.make({ proxy: { httpsProxy: via.url } });
    await client.createImage(image('a fox [sim:ms=20]'));
    expect(via.records).toEqual([]);
  });
});

describe("an account's own proxy", () => {
  it('with credentials carries that account, and only that one', async () => {
    const own = await proxy({ credentials: 'alice:s3cret-Pa55' });
    const shared = await proxy();
    const client = clients.make({
      accounts: [{ cookie: COOKIE, proxy: `http://alice:s3cret-Pa55@127.0.0.1:${own.port}`, label: 'a' }],
      proxy: { httpProxy: shared.url },
    });
    await client.createImage(image('a fox [sim:ms=20]'));
    expect(own.tunnelled).toHaveLength(sim.requests.length);
    expect(own.records[0]?.authorization).toBe(`Basic ${Buffer.from('alice:s3cret-Pa55').toString('base64')}`);
    expect(shared.records).toEqual([]);
    // The proxy's credentials go to the proxy only.
    for (const request of sim.requests) expect(JSON.stringify(request.headers)).not.toContain('Basic');
  });
});

describe('a proxy that fails', () => {
  it.each([
    ['refuses the tunnel', { refuse: 403 }, /refused to carry the request to Bing \(HTTP 403\)/],
    ['wants other credentials', { credentials: 'bob:other' }, /refused to carry the request to Bing \(HTTP 407\)/],
  ])('one that %s is a named UPSTREAM error without its credentials', async (_, options, message) => {
    const via = await proxy(options);
    const url = `http://carol:Hunter2-Secret@127.0.0.1:${via.port}`;
    const client = clients.make({ accounts: [{ cookie: COOKIE, proxy: url }] });
    const error = await failure(client.createImage(image('a fox [sim:ms=20]')));
    expect(error.code).toBe('UPSTREAM');
    expect(error.message).toMatch(message);
    expect(error.message).toContain(`127.0.0.1:${via.port}`);
    for (const secret of ['carol', 'Hunter2-Secret', COOKIE]) expect(error.message).not.toContain(secret);
    expect(sim.requests).toEqual([]);
  });

  it('one that is not there is a named UPSTREAM error', async () => {
    const port = await closedPort();
    const client = clients.make({ proxy: { httpProxy: `http://dave:Pw-Never-Shown@127.0.0.1:${port}` } });
    const error = await failure(client.createImage(image('a fox [sim:ms=20]')));
    expect(error.code).toBe('UPSTREAM');
    expect(error.message).toBe(`The proxy http://127.0.0.1:${port} refused the connection; Bing was not reached.`);
    expect(sim.requests).toEqual([]);
  });
});
