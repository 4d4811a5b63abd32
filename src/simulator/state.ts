/** Everything a running simulator remembers: requests, jobs, the scenario override, timing and auth rules. */

import { randomBytes } from 'node:crypto';
import { DEFAULT_DURATIONS, type DurationRange, type JobKind, type SimJob, type Timing } from './jobs.js';
import type { Session } from './markup.js';
import type { Scenario } from './scenario.js';

export interface RecordedRequest {
  method: string;
  /** The path without the query string. */
  path: string;
  query: Record<string, string>;
  /** Lowercase names; repeated headers joined with `, `. */
  headers: Record<string, string | undefined>;
  body: string;
  /** Date.now() when the request arrived. */
  at: number;
}

export interface Configuration {
  timeScale?: number;
  durations?: Partial<Record<JobKind, DurationRange>>;
  /** The `_U` values accepted; null restores the default rule (any non-empty value not starting with `expired` or `invalid`). */
  validCookies?: string[] | null;
  /** `_U` values signed in but out of quota: their submits answer the quota page (quota.ts). */
  quotaCookies?: string[];
}

export class SimState {
  readonly requests: RecordedRequest[] = [];
  readonly jobs = new Map<string, SimJob>();
  override: Partial<Scenario> | null = null;
  readonly timing: Timing;
  readonly session: Session = {
    ig: randomBytes(16).toString('hex').toUpperCase(),
    salt: randomBytes(9).toString('base64url'),
  };
  private validCookies: Set<string> | null = null;
  private quotaCookies = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(random: () => number) {
    this.timing = { timeScale: 1, durations: structuredClone(DEFAULT_DURATIONS), random };
  }

  configure(c: Configuration): void {
    if (c.timeScale !== undefined) this.timing.timeScale = c.timeScale;
    if (c.durations) Object.assign(this.timing.durations, structuredClone(c.durations));
    if (c.validCookies !== undefined) this.validCookies = c.validCookies === null ? null : new Set(c.validCookies);
    if (c.quotaCookies !== undefined) this.quotaCookies = new Set(c.quotaCookies);
  }

  isOutOfQuota(u: string): boolean {
    return this.quotaCookies.has(u);
  }

  reset(): void {
    this.requests.length = 0;
    this.jobs.clear();
    this.override = null;
  }

  isValidCookie(u: string | undefined): boolean {
    if (u === undefined || u === '') return false;
    if (this.validCookies) return this.validCookies.has(u);
    return !/^(expired|invalid)/i.test(u);
  }

  /** A delay that close() can cancel; a cancelled delay never resolves (its socket is gone by then). */
  delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  clearTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

/** Checks a configuration received as JSON by the control API; returns an error text or null. */
export function invalidConfiguration(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'expected an object';
  const c = value as Record<string, unknown>;
  for (const key of Object.keys(c)) {
    if (!['timeScale', 'durations', 'validCookies', 'quotaCookies'].includes(key)) return `unknown field ${key}`;
  }
  if (
    c.timeScale !== undefined &&
    !(typeof c.timeScale === 'number' && Number.isFinite(c.timeScale) && c.timeScale >= 0)
  ) {
    return 'timeScale must be a number >= 0';
  }
  if (c.validCookies !== undefined && c.validCookies !== null) {
    if (!Array.isArray(c.validCookies) || !c.validCookies.every((v) => typeof v === 'string')) {
      return 'validCookies must be an array of strings or null';
    }
  }
  if (c.quotaCookies !== undefined) {
    if (!Array.isArray(c.quotaCookies) || !c.quotaCookies.every((v) => typeof v === 'string')) {
      return 'quotaCookies must be an array of strings';
    }
  }
  if (c.durations !== undefined) {
    if (typeof c.durations !== 'object' || c.durations === null) return 'durations must be an object';
    for (const [kind, range] of Object.entries(c.durations)) {
      if (!(kind in DEFAULT_DURATIONS)) return `unknown kind ${kind}`;
      const r = range as Partial<DurationRange> | null;
      const ok = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0;
      if (!r || !ok(r.minMs) || !ok(r.maxMs) || r.minMs > r.maxMs)
        return `durations.${kind} must be {minMs, maxMs} with 0 <= minMs <= maxMs`;
    }
  }
  return null;
}
