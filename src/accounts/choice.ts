/**
 * Which account takes a new generation: the least-loaded active one below its in-flight limit,
 * preferring accounts with boosts left; never an expired, cooling or disabled one. Pure.
 */
import type { AccountState } from './account.js';

export interface Candidate {
  id: string;
  label: string;
  state: AccountState;
  inFlight: number;
  maxInFlight: number;
  /** null: not known. */
  boosts: number | null;
  /** When it was last chosen (for a fair turn among equals). */
  lastChosenAt: number;
  coolingUntil: number | null;
}

export type Choice =
  | { ok: true; id: string }
  | { ok: false; code: 'AUTH' | 'RATE_LIMITED'; message: string; retryAfterSeconds?: number };

function boostRank(boosts: number | null): number {
  if (boosts === null) return 1;
  return boosts > 0 ? 0 : 2;
}

export function choose(
  candidates: readonly Candidate[],
  now: number,
  exclude: ReadonlySet<string> = new Set(),
): Choice {
  const usable = candidates.filter((c) => c.state === 'active' && !exclude.has(c.id));
  if (usable.length > 0) {
    // Within the limit first; over it only when every usable account is full (the admission queue bounds the total).
    const ranked = [...usable].sort(
      (a, b) =>
        Number(a.inFlight >= a.maxInFlight) - Number(b.inFlight >= b.maxInFlight) ||
        boostRank(a.boosts) - boostRank(b.boosts) ||
        a.inFlight / a.maxInFlight - b.inFlight / b.maxInFlight ||
        a.lastChosenAt - b.lastChosenAt ||
        a.label.localeCompare(b.label),
    );
    return { ok: true, id: (ranked[0] as Candidate).id };
  }
  return refusal(candidates, now);
}

function refusal(candidates: readonly Candidate[], now: number): Choice {
  const count = (state: AccountState) => candidates.filter((c) => c.state === state).length;
  const cooling = candidates.filter((c) => c.state === 'cooling' && c.coolingUntil !== null);
  if (cooling.length > 0) {
    const soonest = Math.min(...cooling.map((c) => c.coolingUntil as number));
    const expiredCount = count('expired');
    return {
      ok: false,
      code: 'RATE_LIMITED',
      message:
        `Every usable Bing account is cooling down after a rate limit or a used-up quota (${cooling.length} cooling` +
        `${expiredCount > 0 ? `, ${expiredCount} signed out` : ''}). Try again later.`,
      retryAfterSeconds: Math.max(1, Math.ceil((soonest - now) / 1000)),
    };
  }
  if (candidates.length === 0) {
    return {
      ok: false,
      code: 'AUTH',
      message: 'No Bing account is configured. Set BING_COOKIE_U, BING_COOKIES or BING_ACCOUNTS_FILE.',
    };
  }
  const expiredCount = count('expired');
  const disabled = count('disabled');
  if (expiredCount === 0 && disabled > 0) {
    return { ok: false, code: 'AUTH', message: 'Every Bing account is disabled. Enable one to generate.' };
  }
  return {
    ok: false,
    code: 'AUTH',
    message: `No Bing account is signed in: ${expiredCount} signed out (their cookies have expired)${disabled > 0 ? `, ${disabled} disabled` : ''}. Renew a cookie.`,
  };
}
