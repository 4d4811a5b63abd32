/**
 * The Bing client behind the service's generation port, driven by the account pool, and the one place
 * Bing's error codes become the API's. The only file of tasks/ that knows bing/.
 *
 * A submit goes to the pool's choice of account. Refused before Bing accepted anything (AUTH, or
 * RATE_LIMITED: throttling or a used-up quota), it moves to the next account at once, since nothing was
 * created. Once Bing accepted it (the `submitted` event), it is never moved or submitted again: it
 * polls on its own account, even if that account is then removed or expires.
 */
import type { AccountPool } from '../accounts/pool.js';
import { PoolRefusal } from '../accounts/pool.js';
import type { BingClient } from '../bing/client.js';
import { BingError, type BingErrorCode } from '../bing/errors.js';
import type { AccountsView } from './accounts.js';
import { GenerationError } from './errors.js';
import type { GenerationEvent, GenerationWatch, Generations, Submitted } from './generations.js';
import type { ErrorCode } from './task.js';

/** Typed both ways: a code Bing adds fails the build here until it is given its public name. */
export const FROM_BING: Record<BingErrorCode, ErrorCode> = {
  INVALID_REQUEST: 'INVALID_REQUEST',
  AUTH: 'AUTH',
  PROMPT_REJECTED: 'PROMPT_REJECTED',
  UNSUPPORTED_LANGUAGE: 'UNSUPPORTED_LANGUAGE',
  RATE_LIMITED: 'RATE_LIMITED',
  UPSTREAM: 'UPSTREAM',
  TIMEOUT: 'TIMEOUT',
};

/** Refusals that mean "this account cannot, another may": nothing was created. */
const MOVES_ON: ReadonlySet<BingErrorCode> = new Set(['AUTH', 'RATE_LIMITED']);

function translated(error: unknown): unknown {
  if (error instanceof PoolRefusal) {
    return new GenerationError(error.code, error.message, { retryAfterSeconds: error.retryAfterSeconds });
  }
  if (!(error instanceof BingError)) return error;
  return new GenerationError(FROM_BING[error.code], error.message, {
    retryAfterSeconds: error.retryAfterSeconds,
    cause: error,
  });
}

/** A fast video refused for want of fast creations: another account may have some; this one is not throttled. */
function outOfFastCreations(client: BingClient, id: string, video: boolean, error: BingError): boolean {
  return video && error.code === 'RATE_LIMITED' && client.fastCreationsLeftOf(id) === 0;
}

type Submit = (
  watch: GenerationWatch,
  account: { id: string; cookie: string; proxy: string | null },
) => Promise<Submitted>;

export interface PooledGenerations extends Generations {
  /** Loads the session page of these accounts (all when absent) and tells the pool what it said. */
  checkSessions(ids?: readonly string[]): Promise<void>;
}

export function bingGenerations(client: BingClient, pool: AccountPool): PooledGenerations {
  pool.onForgotten((id) => client.forgetAccount(id));

  const submit = async (watch: GenerationWatch, attempt: Submit, video = false): Promise<Submitted> => {
    const tried = new Set<string>();
    let refused: BingError | undefined;
    for (;;) {
      const lease = (() => {
        try {
          return pool.acquire(tried);
        } catch (error) {
          // Every account left refused this generation: Bing's last refusal says most (a quota page, a signed-out page).
          throw translated(refused ?? error);
        }
      })();
      tried.add(lease.id);
      let accepted = false;
      const watched: GenerationWatch = {
        signal: watch.signal,
        onEvent: (event: GenerationEvent) => {
          if (event.type === 'submitted') accepted = true;
          watch.onEvent?.(event);
        },
      };
      try {
        const submitted = await attempt(watched, lease);
        pool.accepted(lease.id);
        pool.observe(lease.id, {
          fastCreationsLeft: client.fastCreationsLeftOf(lease.id),
          boosts: client.boostsOf(lease.id),
        });
        return submitted;
      } catch (error) {
        if (watch.signal?.aborted || !(error instanceof BingError)) throw error;
        if (accepted) pool.accepted(lease.id);
        if (!accepted && outOfFastCreations(client, lease.id, video, error)) {
          pool.noted(lease.id, error.code);
          pool.observe(lease.id, { fastCreationsLeft: 0 });
          refused = error;
          continue;
        }
        pool.failed(lease.id, error.code);
        if (!accepted && MOVES_ON.has(error.code)) {
          refused = error;
          continue;
        }
        throw translated(error);
      } finally {
        lease.release();
      }
    }
  };

  const wait = async <T>(
    account: string,
    work: (credentials: ReturnType<AccountPool['credentials']>) => Promise<T>,
  ) => {
    const release = pool.hold(account);
    try {
      const result = await work(pool.credentials(account));
      pool.observe(account, {
        fastCreationsLeft: client.fastCreationsLeftOf(account),
        boosts: client.boostsOf(account),
      });
      return result;
    } catch (error) {
      if (error instanceof BingError) pool.failed(account, error.code);
      throw translated(error);
    } finally {
      release?.();
    }
  };

  const accounts: AccountsView = {
    list: () => pool.list(),
    setEnabled: (label, enabled) => pool.setEnabled(label, enabled),
    counts: () => pool.counts(),
    get expirations() {
      return pool.expirations;
    },
  };

  return {
    submitImage: (input, watch) => submit(watch, (watched, account) => client.submitImage(input, watched, account)),
    waitForImage: (input, submitted, watch) =>
      wait(submitted.account, (account) => client.waitForImage(input, submitted, watch, account)),
    submitVideo: (input, watch) =>
      submit(watch, (watched, account) => client.submitVideo(input, watched, account), true),
    waitForVideo: (input, submitted, watch) =>
      wait(submitted.account, (account) => client.waitForVideo(input, submitted, watch, account)),
    cookieSet: () => pool.size > 0,
    session: () => pool.session(),
    videoAccounts: () =>
      pool.list().map((account) => ({ account: account.id, fastCreationsLeft: account.fastCreationsLeft })),
    accounts,
    async checkSessions(ids) {
      const wanted = ids ?? pool.list().map((account) => account.id);
      for (const id of wanted) {
        const credentials = pool.credentials(id);
        if (!credentials) continue;
        const signed = await client.checkSession(credentials).catch(() => undefined);
        if (signed !== undefined) pool.signedIn(id, signed);
        pool.observe(id, { boosts: client.boostsOf(id) });
      }
    },
    boosts: () =>
      pool
        .list()
        .map((account) => ({ account: account.id, known: account.boosts !== null, remaining: account.boosts })),
  };
}
