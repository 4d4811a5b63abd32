import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BingClient, GenerationEvent } from '../../src/bing/client.js';
import { BingError } from '../../src/bing/errors.js';
import { createLogger } from '../../src/log.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { closedPort, startProxy } from '../support/proxy.js';
import { Clients, TIME_SCALE, type ClientOverrides } from './harness.js';

const SECRET = 'sekrit-Q7wZ3kLp9VbX2mRt';
const EXPIRED_SECRET = 'expired-sekrit-H4nD8sYc6JqF';
/** A browser's whole cookie set, every value of it secret. */
const SET_VALUES = {
  MUID: 'muid-sekrit-2F4A6C8E0B1D',
  KievRPSSecAuth: 'kiev-sekrit-FABSBBRaTOJILtFs',
  _EDGE_S: 'edge-sekrit-SID=0F1E2D3C',
  _U: 'u-in-set-sekrit-Zq81LmN3',
  _SS: 'ss-sekrit-SID=77AA88BB',
};
const FULL_SET = Object.entries(SET_VALUES)
  .map(([name, value]) => `${name}=${value}`)
  .join('; ');
const PROXY_PASSWORD = 'proxy-sekrit-Pw9Xv2';
const fullSet = (extra: ClientOverrides = {}): ClientOverrides => ({ cookies: [], accounts: [FULL_SET], ...extra });

let sim: Simulator;
const clients = new Clients(() => sim);

beforeAll(async () => {
  sim = await startSimulator({ timeScale: TIME_SCALE });
});
afterAll(async () => {
  await clients.closeAll();
  await sim.close();
});

interface Run {
  name: string;
  options?: ClientOverrides;
  run: (client: BingClient, onEvent: (event: GenerationEvent) => void) => Promise<unknown>;
}

const image = (prompt: string, options?: ClientOverrides): Run => ({
  name: prompt,
  options,
  run: (client, onEvent) => client.createImage({ prompt, model: 'DALLE', aspect: 'SQUARE' }, { onEvent }),
});
const video = (prompt: string, options?: ClientOverrides): Run => ({
  name: `video ${prompt}`,
  options,
  run: (client, onEvent) => client.createVideo({ prompt, aspect: 'LANDSCAPE' }, { onEvent }),
});

/** Every error path of the client, and a few successes whose retries carry errors in their events. */
const RUNS: Run[] = [
  ...[
    'blocked',
    'blocked-icon',
    'blocked-clarity',
    'blocked-dq',
    'review',
    'review-after',
    'language',
    'quota',
    'unavailable',
    'home',
  ].map((marker) => image(`a cat [sim:${marker}]`)),
  image('a cat', { cookies: [EXPIRED_SECRET] }),
  image('a cat', { cookies: [] }),
  image('a cat [sim:onlyplaceholders] [sim:ms=0]'),
  image('a cat [sim:unsafe] [sim:ms=0]'),
  image('a cat [sim:poll-error=Internal failure] [sim:ms=0]'),
  image('a cat [sim:garbage] [sim:ms=0]', { pollRetries: 1 }),
  image('a cat [sim:poll5xx=9] [sim:ms=0]', { pollRetries: 1 }),
  image('a cat [sim:poll5xx=2] [sim:ms=0]'),
  image('a cat [sim:drop=9] [sim:ms=0]', { pollRetries: 1 }),
  image('a cat [sim:drop=1] [sim:ms=0]'),
  image('a cat [sim:poll429] [sim:ms=0]', { imageDeadlineMs: 2_000 }),
  image('a cat [sim:never]', { imageDeadlineMs: 300 }),
  image('a cat [sim:slow=2000] [sim:ms=0]', { requestTimeoutMs: 100, pollRetries: 0 }),
  image('a cat [sim:slow=2000] [sim:ms=0]', { imageDeadlineMs: 200 }),
  {
    name: 'aborted',
    run: (client, onEvent) => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      return client.createImage(
        { prompt: 'a cat [sim:never]', model: 'DALLE', aspect: 'SQUARE' },
        { onEvent, signal: controller.signal },
      );
    },
  },
  {
    name: 'resume with an unknown account',
    run: (client, onEvent) =>
      client.waitForImage(
        { prompt: 'a', model: 'DALLE', aspect: 'SQUARE' },
        { requestId: '1-x', account: 'nobody', submittedAt: Date.now() },
        { onEvent },
      ),
  },
  video('waves [sim:blocked]'),
  video('waves [sim:video-error=Render failed] [sim:ms=0]'),
  video('waves [sim:video-rejected] [sim:ms=0]'),
  video('waves [sim:video-thumb] [sim:ms=0]', { videoDeadlineMs: 700 }),
  video('waves', { cookies: [EXPIRED_SECRET] }),
  image('a heron [sim:needs=full-set] [sim:ms=0]', fullSet()),
  image('a heron [sim:blocked]', fullSet()),
  image('a heron [sim:pending-json] [sim:never]', fullSet({ pendingLimitMs: { DALLE: 200, GPT4O: 200, MAI1: 200 } })),
  image('a heron [sim:needs=full-set]'),
  video('herons [sim:ms=0]', fullSet()),
  {
    name: 'through a proxy that refuses',
    run: async (_client, onEvent) => {
      const proxy = await startProxy({ refuse: 407 });
      try {
        const own = clients.make({
          cookies: [],
          accounts: [{ cookie: FULL_SET, proxy: `http://user:${PROXY_PASSWORD}@127.0.0.1:${proxy.port}` }],
        });
        return await own.createImage({ prompt: 'a heron', model: 'DALLE', aspect: 'SQUARE' }, { onEvent });
      } finally {
        await proxy.close();
      }
    },
  },
  {
    name: 'through a proxy that is not there',
    run: async (_client, onEvent) => {
      const own = clients.make({
        cookies: [],
        accounts: [{ cookie: FULL_SET, proxy: `http://user:${PROXY_PASSWORD}@127.0.0.1:${await closedPort()}` }],
      });
      return own.createImage({ prompt: 'a heron', model: 'DALLE', aspect: 'SQUARE' }, { onEvent });
    },
  },
];

describe('the cookie never leaks', () => {
  it('into an error, an event or a log line, on any path', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    const log = createLogger('info', sink);

    const errors: unknown[] = [];
    const events: GenerationEvent[] = [];
    await Promise.all(
      RUNS.map(async ({ name, options, run }) => {
        const client = clients.make({ cookies: [SECRET], ...options });
        const onEvent = (event: GenerationEvent): void => {
          events.push(event);
          log.info({ event, run: name }, 'generation event');
        };
        try {
          await run(client, onEvent);
        } catch (err) {
          errors.push(err);
          log.error({ err, run: name }, 'generation failed');
        }
      }),
    );

    // The paths were really taken, with the secrets really on the wire.
    const codes = new Set(errors.map((e) => (e instanceof BingError ? e.code : (e as Error).name)));
    for (const code of [
      'AUTH',
      'PROMPT_REJECTED',
      'UNSUPPORTED_LANGUAGE',
      'RATE_LIMITED',
      'UPSTREAM',
      'TIMEOUT',
      'AbortError',
    ]) {
      expect(codes, code).toContain(code);
    }
    expect(errors.length).toBeGreaterThanOrEqual(RUNS.length - 5);
    expect(events.some((e) => e.type === 'retry')).toBe(true);
    const cookies = sim.requests.map((r) => r.headers.cookie);
    expect(cookies).toContain(`_U=${SECRET}`);
    expect(cookies).toContain(`_U=${EXPIRED_SECRET}`);
    // The full set reached the simulator whole.
    expect(cookies.some((cookie) => cookie?.startsWith(FULL_SET))).toBe(true);
    await new Promise<void>((resolve) => sink.end(resolve));
    expect(lines.length).toBeGreaterThanOrEqual(errors.length + events.length);

    for (const secret of [
      SECRET,
      EXPIRED_SECRET,
      SECRET.slice(7),
      EXPIRED_SECRET.slice(15),
      ...Object.values(SET_VALUES),
      PROXY_PASSWORD,
    ]) {
      for (const error of errors) {
        const e = error as Error;
        expect(e.message).not.toContain(secret);
        expect(String(e)).not.toContain(secret);
        expect(e.stack ?? '').not.toContain(secret);
        expect(JSON.stringify(e)).not.toContain(secret);
        expect(inspect(e, { depth: 10 })).not.toContain(secret);
      }
      for (const event of events) expect(inspect(event, { depth: 10 })).not.toContain(secret);
      for (const line of lines) expect(line).not.toContain(secret);
    }
  });
});
