/**
 * What the client's integration tests share: a real BingClient pointed at a real simulator on 127.0.0.1,
 * both a hundred times faster than Bing, and a recorder of the events a generation reports.
 */
import { BingClient, type BingClientOptions, type GenerationEvent, type Watch } from '../../src/bing/client.js';
import { BingError } from '../../src/bing/errors.js';
import { LearnedSchedule } from '../../src/bing/schedule.js';
import type { Simulator } from '../../src/simulator/index.js';

export const TIME_SCALE = 0.01;
export const COOKIE = 'c1';

export type ClientOverrides = Partial<BingClientOptions>;

/** Makes clients on one simulator and closes them all at the end of each test. */
export class Clients {
  readonly #made: BingClient[] = [];
  readonly #sim: () => Simulator;

  /** `sim` is read at each make(), so the simulator can be started after this is made. */
  constructor(sim: () => Simulator) {
    this.#sim = sim;
  }

  make(overrides: ClientOverrides = {}): BingClient {
    const client = BingClient.withDefaults({
      origin: this.#sim().url,
      // Accounts given as credentials take the place of the default cookie.
      cookies: overrides.accounts ? [] : [COOKIE],
      schedule: new LearnedSchedule({ timeScale: TIME_SCALE }),
      retryBaseMs: 10,
      retryMaxMs: 50,
      requestTimeoutMs: 2_000,
      ...overrides,
    });
    this.#made.push(client);
    return client;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.#made.splice(0).map((client) => client.destroy()));
  }
}

/** The BingError a promise rejects with; fails when it resolves or rejects with anything else. */
export async function failure(promise: Promise<unknown>): Promise<BingError> {
  const outcome = await promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) throw new Error(`expected a BingError, got a result: ${JSON.stringify(outcome.value)}`);
  if (!(outcome.error instanceof BingError)) throw outcome.error;
  return outcome.error;
}

/** A watch that keeps every event, in order. */
export function recorder(signal?: AbortSignal): { events: GenerationEvent[]; watch: Watch; types(): string[] } {
  const events: GenerationEvent[] = [];
  return {
    events,
    watch: { signal, onEvent: (event) => events.push(event) },
    types: () => events.map((event) => event.type),
  };
}

/** How long a promise takes to settle, and how it settled. */
export async function timed<T>(promise: Promise<T>): Promise<{ ms: number; result: PromiseSettledResult<T> }> {
  const start = performance.now();
  const [result] = await Promise.allSettled([promise]);
  return { ms: performance.now() - start, result: result! };
}

/** The image URL the client should return for a simulator image name, per the simulator's URL style. */
export function bingImage(name: string): string {
  return `https://th.bing.com/th/id/${name}?pid=ImgGn`;
}
