/**
 * An account's own proxy: every request of that account (session page, submit, polls) goes through it, a
 * real local CONNECT proxy, and the other accounts' requests do not. And a bad accounts file stops the start.
 */
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { configFrom } from '../../src/config.js';
import { createApp } from '../../src/server.js';
import { rest } from '../rest/http.js';
import { startStack, type Stack } from '../support/stack.js';
import { COOKIES, account, accountsFile, acceptedOn, labelOf } from './support.js';

interface Proxy {
  url: string;
  tunnels: string[];
  /** What went through the tunnels towards the target (plain HTTP here: the simulator is not TLS). */
  sent: string[];
  close(): Promise<void>;
}

async function connectProxy(): Promise<Proxy> {
  const tunnels: string[] = [];
  const sent: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req, client: Socket) => {
    tunnels.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(client);
      client.on('data', (chunk: Buffer) => sent.push(chunk.toString('latin1')));
      client.pipe(upstream);
    });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tunnels,
    sent,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

let stack: Stack | undefined;
let proxy: Proxy | undefined;
afterEach(async () => {
  await stack?.close();
  await proxy?.close();
  stack = undefined;
  proxy = undefined;
});

describe('an account with its own proxy', () => {
  it('sends every request of that account through it, and only that account', { timeout: 30_000 }, async () => {
    proxy = await connectProxy();
    const file = accountsFile([account('a', { proxy: proxy.url }), account('b')]);
    stack = await startStack({ env: { BING_COOKIE_U: '', BING_ACCOUNTS_FILE: file.file } });
    for (let i = 0; i < 4; i += 1)
      expect((await rest(stack.url, '/create/image', { json: { query: `via${i} [sim:ms=20]` } })).status).toBe(200);
    const served = Array.from({ length: 4 }, (_, i) => acceptedOn(stack!.sim, `via${i} `));
    expect(served).toContain('a');
    expect(served).toContain('b');
    const host = new URL(stack.sim.url).host;
    await vi.waitFor(() => expect(proxy!.tunnels).toContain(host));
    // Every request of a went through the proxy, and none of b's.
    const aRequests = stack.sim.requests.filter((r) => labelOf(r) === 'a');
    expect(aRequests.length).toBeGreaterThan(1);
    const through = proxy.sent.join('');
    expect(through.split(`_U=${COOKIES.a}`).length - 1).toBe(aRequests.length);
    expect(through).not.toContain(COOKIES.b);
    expect(proxy.tunnels.every((target) => target === host)).toBe(true);
    await proxy.close();
    // With the proxy gone, a's next submit fails as unreachable, and b still serves.
    const answers = [];
    for (let i = 0; i < 2; i += 1)
      answers.push(await rest(stack.url, '/create/image', { json: { query: `after${i} [sim:ms=20]` } }));
    expect(answers.some((answer) => answer.status === 200)).toBe(true);
    for (const answer of answers) expect(answer.text).not.toContain(COOKIES.a);
    proxy = undefined;
  });
});

describe('the accounts file at start', () => {
  it('a bad file stops the start, naming every problem and no value', () => {
    const file = accountsFile([]);
    file.write(JSON.stringify([{ label: 'a', cookie: COOKIES.a, maxInFlight: -1 }, { cookie: COOKIES.b }]));
    const config = configFrom({ BING_ACCOUNTS_FILE: file.file, TASK_STORE: 'memory', PORT: '0' });
    let message = '';
    try {
      createApp(config);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/accounts\.json is not valid/);
    expect(message).toContain('[0].maxInFlight: must be at least 1');
    expect(message).toContain('[1].label: is required');
    for (const cookie of Object.values(COOKIES)) expect(message).not.toContain(cookie);
  });
});
