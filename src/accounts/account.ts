/**
 * The words of the account pool: an account as configured (its spec), what is remembered of it (its
 * record, stored beside the tasks), and the state a view sees. An account is named outside the pool by
 * its label or its fingerprint, never by its cookie.
 */
import { createHash } from 'node:crypto';

export type AccountState = 'active' | 'expired' | 'cooling' | 'disabled';
export const ACCOUNT_STATES: readonly AccountState[] = ['active', 'expired', 'cooling', 'disabled'];

/** One account as the accounts file (or the environment) gives it. */
export interface AccountSpec {
  label: string;
  /** The `_U` value alone, or a whole `Cookie:` header value. Never logged, stored or returned. */
  cookie: string;
  proxy: string | null;
  maxInFlight: number;
  enabled: boolean;
}

/** What the pool remembers of an account across restarts (no cookie in it). */
export interface AccountRecord {
  /** The fingerprint of the cookie: a renewed cookie is a new account with a fresh record. */
  id: string;
  label: string;
  /** What Bing last said; `disabled` is not here, it comes from the file and the admin switch. */
  health: 'active' | 'expired' | 'cooling';
  coolingUntil: number | null;
  /** Rate-limit answers in a row: each one doubles the next cool-down. */
  strikes: number;
  /** Set by `setAccountEnabled`; null leaves it to the file's `enabled`. */
  adminEnabled: boolean | null;
  boosts: number | null;
  fastCreationsLeft: number | null;
  /** The UTC day the counts below are for (YYYY-MM-DD). */
  day: string;
  generationsToday: number;
  failuresToday: number;
  lastErrorCode: string | null;
  lastErrorAt: number | null;
}

/** Where records live: the task store (SQLite, memory, or Redis in cluster mode). */
export interface AccountStateStore {
  loadAccounts(): Promise<AccountRecord[]>;
  saveAccount(record: AccountRecord): Promise<void>;
}

export function fingerprint(cookie: string): string {
  return createHash('sha256').update(cookie).digest('hex').slice(0, 12);
}

const DAY_MS = 86_400_000;
/** The last day named, since every view of every account asks (each /health, several times). */
let named = { index: Number.NaN, day: '' };

export function utcDay(now: number): string {
  const index = Math.floor(now / DAY_MS);
  if (index !== named.index) named = { index, day: new Date(now).toISOString().slice(0, 10) };
  return named.day;
}

export function freshRecord(id: string, label: string, now: number): AccountRecord {
  return {
    id,
    label,
    health: 'active',
    coolingUntil: null,
    strikes: 0,
    adminEnabled: null,
    boosts: null,
    fastCreationsLeft: null,
    day: utcDay(now),
    generationsToday: 0,
    failuresToday: 0,
    lastErrorCode: null,
    lastErrorAt: null,
  };
}
