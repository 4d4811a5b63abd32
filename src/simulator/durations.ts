/**
 * How long simulated jobs take, beyond the per-kind ranges: a profile multiplies a kind's range, and
 * may drift from one factor to another over the jobs of a run, as Bing speeds up or slows down with its
 * load. The benchmarks and tests use profiles that differ from the client's priors.
 */

export interface DurationProfile {
  /** Multiplies the kind's range: 0.2 is five times faster, 3 three times slower. */
  factor: number;
  /** From job `fromJob` of a kind (counted from 0) the factor moves linearly to `toFactor` over `overJobs` jobs. */
  drift?: { fromJob: number; overJobs: number; toFactor: number };
}

/** The named profiles, chosen per simulator (`configure({ profile })`) or per prompt (`[sim:durations=NAME]`). */
export const DURATION_PROFILES = {
  matched: { factor: 1 },
  faster: { factor: 0.2 },
  slower: { factor: 3 },
  'speeds-up': { factor: 1, drift: { fromJob: 20, overJobs: 5, toFactor: 0.3 } },
  'slows-down': { factor: 0.3, drift: { fromJob: 20, overJobs: 5, toFactor: 1 } },
} as const satisfies Record<string, DurationProfile>;

export type ProfileName = keyof typeof DURATION_PROFILES;

export function isProfileName(name: string): name is ProfileName {
  return Object.hasOwn(DURATION_PROFILES, name);
}

/** The factor of the `job`-th job (from 0) of a kind. */
export function factorAt(profile: DurationProfile, job: number): number {
  const { drift } = profile;
  if (!drift || job < drift.fromJob) return profile.factor;
  if (job >= drift.fromJob + drift.overJobs || drift.overJobs <= 0) return drift.toFactor;
  const share = (job - drift.fromJob) / drift.overJobs;
  return profile.factor + (drift.toFactor - profile.factor) * share;
}

/** A duration drawn uniformly from the kind's range times the profile's factor for that job. */
export function drawProfiled(
  range: { minMs: number; maxMs: number },
  profile: DurationProfile,
  job: number,
  random: () => number,
): number {
  return (range.minMs + (range.maxMs - range.minMs) * random()) * factorAt(profile, job);
}

/** Checks a profile received as JSON by the control API; returns an error text or null. */
export function invalidProfile(value: unknown): string | null {
  if (typeof value === 'string') return isProfileName(value) ? null : `unknown profile ${value}`;
  if (typeof value !== 'object' || value === null) return 'profile must be a name or {factor, drift?}';
  const p = value as Record<string, unknown>;
  const positive = (n: unknown): boolean => typeof n === 'number' && Number.isFinite(n) && n >= 0;
  if (!positive(p.factor)) return 'profile.factor must be a number >= 0';
  if (p.drift !== undefined) {
    const d = p.drift as Record<string, unknown> | null;
    if (typeof d !== 'object' || d === null || !positive(d.fromJob) || !positive(d.overJobs) || !positive(d.toFactor)) {
      return 'profile.drift must be {fromJob, overJobs, toFactor}, each a number >= 0';
    }
  }
  return null;
}
