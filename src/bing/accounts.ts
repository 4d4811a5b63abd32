/**
 * The configured Bing accounts (one `_U` cookie each), used round-robin, and what is known of each
 * account's session. An account is named outside this file only by its fingerprint, never its cookie.
 */
import { createHash } from 'node:crypto';

export type SessionState = 'active' | 'inactive' | 'expired';

export interface Account {
  /** A short, one-way fingerprint of the cookie: safe to store and to log. */
  readonly id: string;
  readonly cookie: string;
  session: SessionState | 'unknown';
  /** The IG value of the signed-in page, sent back on later requests. */
  ig: string | null;
}

export function accountId(cookie: string): string {
  return createHash('sha256').update(cookie).digest('hex').slice(0, 12);
}

export class Accounts {
  readonly #accounts: Account[];
  #next = 0;

  constructor(cookies: readonly string[]) {
    this.#accounts = cookies.map((cookie) => ({ id: accountId(cookie), cookie, session: 'unknown', ig: null }));
  }

  get size(): number {
    return this.#accounts.length;
  }

  /** The next account in turn, or undefined when no cookie is configured. */
  take(): Account | undefined {
    const account = this.#accounts[this.#next % Math.max(1, this.#accounts.length)];
    this.#next += 1;
    return account;
  }

  byId(id: string): Account | undefined {
    return this.#accounts.find((account) => account.id === id);
  }

  /** One word for health: active when any account is signed in, expired when the last one known is not. */
  session(): SessionState {
    if (this.#accounts.some((account) => account.session === 'active')) return 'active';
    if (this.#accounts.length > 0 && this.#accounts.every((account) => account.session === 'expired')) return 'expired';
    return 'inactive';
  }
}
