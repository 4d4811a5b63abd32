/**
 * A real stack for integration tests: the Bing simulator and the server on random ports, wired together,
 * with every log line captured so tests can read (and grep) them.
 */
import { Writable } from 'node:stream';
import { configFrom, type Config } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { createApp, type App, type AppOptions } from '../../src/server.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';

export const TEST_COOKIE = 'test-cookie-0123456789abcdef';

export interface Stack {
  sim: Simulator;
  app: App;
  config: Config;
  /** The server's base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  /** Every log line the server wrote, as JSON text. */
  logs: string[];
  close(): Promise<void>;
}

export interface StackOptions {
  env?: Record<string, string>;
  sim?: SimulatorOptions;
  app?: Omit<AppOptions, 'log'>;
  /** An already running simulator to reuse (it is not closed with the stack). */
  simulator?: Simulator;
}

/** Simulator durations a hundred times shorter, and a schedule scaled the same way. */
export const FAST = { timeScale: 0.01 };

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const sim = options.simulator ?? (await startSimulator({ ...FAST, ...options.sim }));
  const config = configFrom({
    PORT: '0',
    HOST: '127.0.0.1',
    BING_ORIGIN: sim.url,
    BING_COOKIE_U: TEST_COOKIE,
    TASK_STORE: 'memory',
    LOG_LEVEL: 'info',
    TIME_SCALE: String(options.sim?.timeScale ?? FAST.timeScale),
    POLL_RETRY_BASE: '20ms',
    POLL_RETRY_MAX: '100ms',
    BING_REQUEST_TIMEOUT: '5s',
    // Limits out of the way; the tests of the limits set their own.
    RATE_LIMIT_PER_MINUTE: '1000000',
    MAX_IN_FLIGHT_PER_KEY: '1000000',
    MAX_SUBSCRIPTIONS_PER_KEY: '1000000',
    BING_MAX_IN_FLIGHT: '10000',
    QUEUE_MAX: '10000',
    // An account refused with a quota page cools for a moment only: the error tests refuse one prompt and
    // go on with the same account. The account pool's tests set their own.
    ACCOUNT_COOLDOWN: '1ms',
    ...options.env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const app = createApp(config, { ...options.app, log: createLogger(config.logLevel, sink) });
  const url = await app.start();
  return {
    sim,
    app,
    config,
    url,
    logs,
    async close() {
      await app.stop();
      if (!options.simulator) await sim.close();
    },
  };
}

/** A GraphQL request over HTTP POST; returns the parsed body. */
export async function gql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<{ data?: T; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as {
    data?: T;
    errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
  };
}
