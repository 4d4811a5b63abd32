/**
 * The configured Bing accounts (one `_U` cookie each), used round-robin, and what is known of each
 * account's session. An account is named outside this file only by its fingerprint, never its cookie.
 */
import { createHash } from 'node:crypto';

export type SessionState = 'active' | 'inactive' | 'expired';

/** An account given explicitly by the caller of the client (the account pool): its id is the caller's. */
export interface AccountCredentials {
  id: string;
  /** The `_U` value alone, or a whole `Cookie:` header value. */
  cookie: string;
  /** Requests of this account go through this proxy. */
  proxy?: string | null | undefined;
}

export interface Account {
  /** A short, one-way fingerprint of the cookie (or the id the caller gave): safe to store and to log. */
  readonly id: string;
  cookie: string;
  proxy: string | null;
  session: SessionState | 'unknown';
  /** The IG value of the signed-in page, sent back on later requests. */
  ig: string | null;
}

export function accountId(cookie: string): string {
  return createHash('sha256').update(cookie).digest('hex').slice(0, 12);
}

export class Accounts {
  readonly #accounts: Account[];
  readonly #given = new Map<string, Account>();
  #next = 0;

  constructor(cookies: readonly string[]) {
    this.#accounts = cookies.map((cookie) => ({
      id: accountId(cookie),
      cookie,
      proxy: null,
      session: 'unknown',
      ig: null,
    }));
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
    return this.#accounts.find((account) => account.id === id) ?? this.#given.get(id);
  }

  /** The session state of an explicitly given account, made on first use; the credentials may change. */
  given(credentials: AccountCredentials): Account {
    let account = this.#given.get(credentials.id);
    if (!account) {
      account = { id: credentials.id, cookie: credentials.cookie, proxy: null, session: 'unknown', ig: null };
      this.#given.set(credentials.id, account);
    }
    if (account.cookie !== credentials.cookie) {
      account.cookie = credentials.cookie;
      account.session = 'unknown';
      account.ig = null;
    }
    account.proxy = credentials.proxy ?? null;
    return account;
  }

  forget(id: string): void {
    this.#given.delete(id);
  }

  /** One word for health: active when any account is signed in, expired when the last one known is not. */
  session(): SessionState {
    if (this.#accounts.some((account) => account.session === 'active')) return 'active';
    if (this.#accounts.length > 0 && this.#accounts.every((account) => account.session === 'expired')) return 'expired';
    return 'inactive';
  }
}
