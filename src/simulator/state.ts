/** Everything a running simulator remembers: requests, jobs, the scenario override, timing and auth rules. */

import { randomBytes } from 'node:crypto';
import { DURATION_PROFILES, type DurationProfile, invalidProfile, type ProfileName } from './durations.js';
import { DEFAULT_DURATIONS, JOB_KINDS, type DurationRange, type JobKind, type SimJob, type Timing } from './jobs.js';
import { BOOST_FORMS, SESSION_FORMS, type BoostForm, type Session, type SessionForm } from './markup.js';
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
  /** Boosts per `_U` (each accepted rt=4 submit spends one; at 0 rt=4 answers without a redirect); null: unlimited, never shown. */
  boosts?: number | null;
  boostForm?: BoostForm;
  sessionForm?: SessionForm;
  timeScale?: number;
  durations?: Partial<Record<JobKind, DurationRange>>;
  /** Multiplies the ranges per job, by name or as a profile; a drift counts jobs from this call on. */
  profile?: ProfileName | DurationProfile;
  /** The `_U` values accepted; null restores the default rule (any non-empty value not starting with `expired` or `invalid`). */
  validCookies?: string[] | null;
  /**
   * How `/th/id/` and `/videos/` answer: `serve` (default) the bytes, `error` 500, `missing` 404, `stall`
   * the headers and half the bytes, then nothing until the client or close() ends it.
   */
  media?: MediaAnswer;
  /** `_U` values signed in but out of quota: their submits answer the quota page (quota.ts). */
  quotaCookies?: string[];
}

export type MediaAnswer = 'serve' | 'error' | 'missing' | 'stall';

export class SimState {
  readonly requests: RecordedRequest[] = [];
  /** The paths of the media requests (`/th/id/`, `/videos/`), in arrival order. */
  readonly mediaRequests: string[] = [];
  media: MediaAnswer = 'serve';
  readonly jobs = new Map<string, SimJob>();
  override: Partial<Scenario> | null = null;
  readonly timing: Timing;
  readonly session: Session = {
    ig: randomBytes(16).toString('hex').toUpperCase(),
    salt: randomBytes(9).toString('base64url'),
  };
  private validCookies: Set<string> | null = null;
  boosts: number | null = null;
  boostForm: BoostForm = 'token_bal';
  sessionForm: SessionForm = 'object';
  /** Boosts left per `_U`, from `boosts` at the first use of a cookie. */
  readonly boostsLeft = new Map<string, number>();
  private quotaCookies = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(random: () => number) {
    this.timing = {
      timeScale: 1,
      durations: structuredClone(DEFAULT_DURATIONS),
      profile: DURATION_PROFILES.matched,
      submitted: noneSubmitted(),
      random,
    };
  }

  configure(c: Configuration): void {
    if (c.timeScale !== undefined) this.timing.timeScale = c.timeScale;
    if (c.durations) Object.assign(this.timing.durations, structuredClone(c.durations));
    if (c.profile !== undefined) {
      this.timing.profile = typeof c.profile === 'string' ? DURATION_PROFILES[c.profile] : structuredClone(c.profile);
      this.timing.submitted = noneSubmitted();
    }
    if (c.validCookies !== undefined) this.validCookies = c.validCookies === null ? null : new Set(c.validCookies);
    if (c.media !== undefined) this.media = c.media;
    if (c.boosts !== undefined) {
      this.boosts = c.boosts;
      this.boostsLeft.clear();
    }
    if (c.boostForm !== undefined) this.boostForm = c.boostForm;
    if (c.sessionForm !== undefined) this.sessionForm = c.sessionForm;
    if (c.quotaCookies !== undefined) this.quotaCookies = new Set(c.quotaCookies);
  }

  /** The boosts left on a cookie; null when boosts are unlimited. */
  boostsOf(u: string): number | null {
    if (this.boosts === null) return null;
    if (!this.boostsLeft.has(u)) this.boostsLeft.set(u, this.boosts);
    return this.boostsLeft.get(u)!;
  }

  isOutOfQuota(u: string): boolean {
    return this.quotaCookies.has(u);
  }

  reset(): void {
    this.requests.length = 0;
    this.mediaRequests.length = 0;
    this.jobs.clear();
    this.override = null;
    this.boostsLeft.clear();
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

function noneSubmitted(): Record<JobKind, number> {
  return Object.fromEntries(JOB_KINDS.map((kind) => [kind, 0])) as Record<JobKind, number>;
}

/** Checks a configuration received as JSON by the control API; returns an error text or null. */
export function invalidConfiguration(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'expected an object';
  const c = value as Record<string, unknown>;
  for (const key of Object.keys(c)) {
    if (
      ![
        'timeScale',
        'durations',
        'profile',
        'validCookies',
        'quotaCookies',
        'media',
        'boosts',
        'boostForm',
        'sessionForm',
      ].includes(key)
    )
      return `unknown field ${key}`;
  }
  if (c.profile !== undefined) {
    const invalid = invalidProfile(c.profile);
    if (invalid) return invalid;
  }
  if (c.media !== undefined && !['serve', 'error', 'missing', 'stall'].includes(c.media as string)) {
    return 'media must be serve, error, missing or stall';
  }
  if (c.boosts !== undefined && c.boosts !== null && !(Number.isInteger(c.boosts) && (c.boosts as number) >= 0))
    return 'boosts must be an integer >= 0 or null';
  if (c.boostForm !== undefined && !(BOOST_FORMS as readonly unknown[]).includes(c.boostForm))
    return `boostForm must be one of ${BOOST_FORMS.join(', ')}`;
  if (c.sessionForm !== undefined && !(SESSION_FORMS as readonly unknown[]).includes(c.sessionForm))
    return `sessionForm must be one of ${SESSION_FORMS.join(', ')}`;
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
