/**
 * Poll answers as the field sees them, over real HTTP: the styled result page (with and without images),
 * the status page, `{"errorMessage":"Pending"}` (a while, and for ever), Bing's error boxes, and a
 * hand-written stand-in whose pages this client was not written for. Each ends in a result or a named
 * error well before the deadline.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { COOKIE, Clients, failure, recorder, timed } from './harness.js';

let sim: Simulator;
const clients = new Clients(() => sim);

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0.01 });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());
afterEach(() => clients.closeAll());

const image = (prompt: string) => ({ prompt, model: 'DALLE' as const, aspect: 'SQUARE' as const });
const LONG = { imageDeadlineMs: 60_000 };

describe('the styled result page', () => {
  it('without a usable image ends with UPSTREAM within a few polls, not at the deadline', async () => {
    const client = clients.make(LONG);
    const { watch, events } = recorder();
    const { ms, result } = await timed(client.createImage(image('a lake [sim:styled-empty] [sim:ms=50]'), watch));
    expect(result.status).toBe('rejected');
    const error = await failure(Promise.reject((result as PromiseRejectedResult).reason));
    expect(error.code).toBe('UPSTREAM');
    expect(error.message).toMatch(/finished .* no image/);
    const job = [...sim.jobs.values()][0]!;
    // Once the job was ready, one poll saw the page and that was the end.
    expect(sim.polls(job.id).filter((poll) => poll.at >= job.readyAt!)).toHaveLength(1);
    expect(events.filter((event) => event.type === 'retry')).toEqual([]);
    expect(ms).toBeLessThan(30_000);
  });

  it('with placeholders only is PROMPT_REJECTED at once', async () => {
    const client = clients.make(LONG);
    const error = await failure(client.createImage(image('a lake [sim:onlyplaceholders] [sim:ms=20]')));
    expect(error.code).toBe('PROMPT_REJECTED');
  });
});

describe('pending answers', () => {
  it('GenerativeImagesStatusPage is still generating', async () => {
    const client = clients.make();
    const result = await client.createImage(image('a wren [sim:status-page] [sim:ms=300]'));
    expect(result.images.length).toBeGreaterThan(0);
    expect(result.polls).toBeGreaterThan(1);
  });

  it('{"errorMessage":"Pending"} is pending while the run lasts', async () => {
    const client = clients.make();
    const result = await client.createImage(image('a wren [sim:pending-json] [sim:ms=300]'));
    expect(result.images.length).toBeGreaterThan(0);
    expect(result.polls).toBeGreaterThan(1);
  });

  it('"Pending" past the model\'s expected time fails, naming the incomplete session, before the deadline', async () => {
    const client = clients.make({ ...LONG, pendingLimitMs: { DALLE: 400, GPT4O: 400, MAI1: 400 } });
    const { ms, result } = await timed(client.createImage(image('a wren [sim:pending-json] [sim:never]')));
    const error = await failure(Promise.reject((result as PromiseRejectedResult).reason));
    expect(error.code).toBe('UPSTREAM');
    expect(error.message).toMatch(/Pending/);
    expect(error.message).toMatch(/incomplete session/);
    expect(error.message).toMatch(/full cookie set/);
    expect(ms).toBeGreaterThanOrEqual(400);
    expect(ms).toBeLessThan(30_000);
  });
});

describe("Bing's error boxes", () => {
  it.each([
    ['msg', 'UPSTREAM', /high demand/],
    ['tc', 'UPSTREAM', /Something went wrong/],
    ['img', 'PROMPT_REJECTED', /blocked/],
  ])('gil_err %s ends as %s', async (kind, code, message) => {
    const client = clients.make(LONG);
    const error = await failure(client.createImage(image(`a mole [sim:gil-err=${kind}] [sim:ms=20]`)));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });
});

/** A Bing written by hand, not by the simulator: signed in, a 302 submit, and one poll answer for ever. */
async function standIn(answer: { type: string; body: string }): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET' && url.pathname === '/images/create') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(
        '<html><script>_G.IG="00FF00FF00FF00FF00FF00FF00FF00FF";</script><i id="id_a" style="display:none"></i></html>',
      );
      return;
    }
    if (req.method === 'POST' && url.pathname === '/images/create') {
      res.writeHead(302, { location: '/images/create?q=x&rt=4&FORM=GENCRE&id=1-0123456789abcdef0123456789abcdef' });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': answer.type });
    res.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('a stand-in with pages this client was not written for', () => {
  it.each([
    {
      name: 'a styled page whose images are only in <picture> sources',
      answer: {
        type: 'text/html',
        body: '<html><head><link rel="stylesheet" type="text/css" href="/s.css"></head><body><picture><source srcset="https://th.bing.com/th/id/OIG1.x?pid=ImgGn"></picture></body></html>',
      },
      message: /no image/,
    },
    {
      name: 'an unstyled page with markup of its own, for ever',
      answer: {
        type: 'text/html',
        body: '<html><body><div class="gen-progress" data-state="queued"></div></body></html>',
      },
      message: /does not recognise/,
    },
    {
      name: 'a JSON object of another shape',
      answer: { type: 'application/json', body: '{"status":"running","progress":0.4}' },
      message: /cannot read/,
    },
  ])('$name ends in a named error before the deadline', async ({ answer, message }) => {
    const { url, server } = await standIn(answer);
    try {
      const client = clients.make({
        origin: url,
        cookies: [COOKIE],
        imageDeadlineMs: 60_000,
        pollRetries: 2,
        pendingLimitMs: { DALLE: 500, GPT4O: 500, MAI1: 500 },
      });
      const { ms, result } = await timed(client.createImage(image('a stand-in')));
      const error = await failure(Promise.reject((result as PromiseRejectedResult).reason));
      expect(error.code).toBe('UPSTREAM');
      expect(error.message).toMatch(message);
      expect(ms).toBeLessThan(30_000);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
