/**
 * The state machine of one account, as pure functions of its record: what Bing's answers do to it, and
 * the state it is in at a given time.
 *
 *   active --AUTH / signed-out page--> expired --signed-in page--> active
 *   active --RATE_LIMITED / quota--> cooling --time passes--> active (tried again; a new refusal cools longer)
 *   any --enabled: false--> disabled --enabled: true--> what it was
 */
import { type AccountRecord, type AccountState, utcDay } from './account.js';

export interface CoolDown {
  /** The first cool-down; each refusal in a row doubles it. */
  baseMs: number;
  maxMs: number;
}

export function stateAt(record: AccountRecord, enabled: boolean, now: number): AccountState {
  if (!enabled) return 'disabled';
  if (record.health === 'expired') return 'expired';
  if (record.health === 'cooling' && record.coolingUntil !== null && record.coolingUntil > now) return 'cooling';
  return 'active';
}

export function isEnabled(record: AccountRecord, fileEnabled: boolean): boolean {
  return record.adminEnabled ?? fileEnabled;
}

/** The counts are today's: a record from another day starts them again. */
export function today(record: AccountRecord, now: number): AccountRecord {
  const day = utcDay(now);
  return record.day === day ? record : { ...record, day, generationsToday: 0, failuresToday: 0 };
}

export function coolDownMs(strikes: number, policy: CoolDown): number {
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, Math.min(40, strikes - 1)));
}

export function rateLimited(
  record: AccountRecord,
  now: number,
  policy: CoolDown,
  code = 'RATE_LIMITED',
): AccountRecord {
  const strikes = record.strikes + 1;
  return {
    ...failed(record, now, code),
    health: 'cooling',
    strikes,
    coolingUntil: now + coolDownMs(strikes, policy),
  };
}

export function expired(record: AccountRecord, now: number, code = 'AUTH'): AccountRecord {
  return { ...failed(record, now, code), health: 'expired', coolingUntil: null };
}

/** Bing took a generation: the account is signed in and not throttled. */
export function accepted(record: AccountRecord, now: number): AccountRecord {
  const current = today(record, now);
  return {
    ...current,
    health: 'active',
    coolingUntil: null,
    strikes: 0,
    generationsToday: current.generationsToday + 1,
  };
}

export function failed(record: AccountRecord, now: number, code: string): AccountRecord {
  const current = today(record, now);
  return { ...current, failuresToday: current.failuresToday + 1, lastErrorCode: code, lastErrorAt: now };
}

/** What the session page said: signed in lifts an expiry; signed out is one. */
export function signedIn(record: AccountRecord, now: number, signed: boolean): AccountRecord {
  if (!signed) return record.health === 'expired' ? record : expired(record, now);
  return record.health === 'expired' ? { ...record, health: 'active' } : record;
}
