/**
 * The configured Bing accounts (a `_U` value or a full cookie set each, and an optional proxy), used
 * round-robin, each with its session. An account is named outside this folder only by its fingerprint.
 */
import type { AccountCredential } from './cookies.js';
import { AccountSession, type SessionState } from './session.js';

export type { SessionState } from './session.js';
export type Account = AccountSession;

/** An account given explicitly by the caller of the client (the account pool), under the caller's id. */
export interface AccountCredentials {
  id: string;
  /** The `_U` value alone, or a whole `Cookie:` header value. */
  cookie: string;
  /** Requests of this account go through this proxy. */
  proxy?: string | null | undefined;
}

export class Accounts {
  readonly #accounts: AccountSession[] = [];
  readonly #given = new Map<string, { cookie: string; proxy: string | undefined; session: AccountSession }>();
  #next = 0;

  constructor(credentials: ReadonlyArray<AccountCredential | string>) {
    for (const credential of credentials) {
      const account = new AccountSession(credential);
      // The same account configured twice is one account.
      if (account.jar.size > 0 && !this.#accounts.some((known) => known.id === account.id))
        this.#accounts.push(account);
    }
  }

  get size(): number {
    return this.#accounts.length;
  }

  all(): readonly AccountSession[] {
    return this.#accounts;
  }

  /** The next account in turn, or undefined when no cookie is configured. */
  take(): AccountSession | undefined {
    const account = this.#accounts[this.#next % Math.max(1, this.#accounts.length)];
    this.#next += 1;
    return account;
  }

  byId(id: string): AccountSession | undefined {
    return this.#accounts.find((account) => account.id === id) ?? this.#given.get(id)?.session;
  }

  /** The session of an explicitly given account, made on first use; new credentials start a new session. */
  given(credentials: AccountCredentials): AccountSession {
    const proxy = credentials.proxy ?? undefined;
    const known = this.#given.get(credentials.id);
    if (known && known.cookie === credentials.cookie && known.proxy === proxy) return known.session;
    const session = new AccountSession({ cookie: credentials.cookie, proxy }, credentials.id);
    this.#given.set(credentials.id, { cookie: credentials.cookie, proxy, session });
    return session;
  }

  forget(id: string): void {
    this.#given.delete(id);
  }

  /** One word for health: active when any account is signed in, expired when the last one known is not. */
  session(): SessionState {
    if (this.#accounts.some((account) => account.state === 'active')) return 'active';
    if (this.#accounts.length > 0 && this.#accounts.every((account) => account.state === 'expired')) return 'expired';
    return 'inactive';
  }
}

/** The fingerprint a credential is known by (the one stored with each generation it submitted). */
export function accountId(credential: AccountCredential | string): string {
  return new AccountSession(credential).id;
}
