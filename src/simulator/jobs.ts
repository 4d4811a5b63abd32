/** Simulated generation jobs: their ids, durations and where they stand at a given moment. */

import { randomBytes } from 'node:crypto';
import { DURATION_PROFILES, type DurationProfile, drawProfiled } from './durations.js';
import type { Scenario } from './scenario.js';

/** `VIDEO` is a fast-mode video, `VIDEO_STANDARD` a standard-mode one. */
export type JobKind = 'DALLE' | 'GPT4O' | 'MAI1' | 'VIDEO' | 'VIDEO_STANDARD';
export const JOB_KINDS: readonly JobKind[] = ['DALLE', 'GPT4O', 'MAI1', 'VIDEO', 'VIDEO_STANDARD'];

export function isVideoKind(kind: JobKind): boolean {
  return kind === 'VIDEO' || kind === 'VIDEO_STANDARD';
}

export interface DurationRange {
  minMs: number;
  maxMs: number;
}

export const DEFAULT_DURATIONS: Readonly<Record<JobKind, DurationRange>> = Object.freeze({
  DALLE: { minMs: 5_000, maxMs: 15_000 },
  GPT4O: { minMs: 20_000, maxMs: 70_000 },
  MAI1: { minMs: 20_000, maxMs: 70_000 },
  VIDEO: { minMs: 60_000, maxMs: 180_000 },
  // Not the client's prior for standard mode (3-30 min): the client has to learn it.
  VIDEO_STANDARD: { minMs: 300_000, maxMs: 1_200_000 },
});

export interface SimJob {
  id: string;
  kind: JobKind;
  prompt: string;
  /** The `ar` code sent with the submit. */
  aspect: number;
  submittedAt: number;
  /** Epoch ms when the result becomes available; Infinity for `[sim:never]` (null in JSON). */
  readyAt: number;
  /** When a poll was first answered with the final result (success or failure). */
  firstSeenDoneAt: number | null;
  polls: number;
  scenario: Scenario;
}

export interface Timing {
  timeScale: number;
  durations: Record<JobKind, DurationRange>;
  /** Multiplies the ranges, per job (see durations.ts); a prompt's `[sim:durations=NAME]` wins. */
  profile: DurationProfile;
  /** Jobs submitted so far per kind: where a drifting profile stands. */
  submitted: Record<JobKind, number>;
  random: () => number;
}

/** Ids look like Bing's: `1-` (images) or `4-` (videos) and 32 hex digits. */
export function newJobId(kind: JobKind = 'DALLE'): string {
  return `${isVideoKind(kind) ? '4' : '1'}-${randomBytes(16).toString('hex')}`;
}

/** A job's duration is fixed at submit, so completion never depends on how often it is polled. */
export function drawDuration(kind: JobKind, scenario: Scenario, timing: Timing): number {
  if (scenario.never) return Number.POSITIVE_INFINITY;
  if (scenario.durationMs !== null) return scenario.durationMs;
  const job = timing.submitted[kind];
  timing.submitted[kind] = job + 1;
  const profile = scenario.durations === null ? timing.profile : DURATION_PROFILES[scenario.durations];
  return drawProfiled(timing.durations[kind], profile, job, timing.random) * timing.timeScale;
}

export function createJob(
  fields: Pick<SimJob, 'kind' | 'prompt' | 'aspect' | 'scenario'>,
  timing: Timing,
  now: number,
): SimJob {
  return {
    id: newJobId(fields.kind),
    ...fields,
    submittedAt: now,
    readyAt: now + drawDuration(fields.kind, fields.scenario, timing),
    firstSeenDoneAt: null,
    polls: 0,
  };
}

export type JobPhase = 'pending' | 'partial' | 'done';

/** GPT-4o streams: during the last 40% of its duration its poll answers a partial page. */
export function phaseAt(job: SimJob, now: number): JobPhase {
  if (now >= job.readyAt) return 'done';
  const partialFrom = job.submittedAt + 0.6 * (job.readyAt - job.submittedAt);
  return job.kind === 'GPT4O' && now >= partialFrom ? 'partial' : 'pending';
}

/** The control API's JSON view: Infinity has no JSON form. */
export function jobJson(job: SimJob): Omit<SimJob, 'readyAt'> & { readyAt: number | null } {
  return { ...job, readyAt: Number.isFinite(job.readyAt) ? job.readyAt : null };
}

export function kindFromModel(mdl: string | null, model: string | null): JobKind | null {
  if (mdl !== null) {
    const byCode: Record<string, JobKind> = { '0': 'DALLE', '1': 'GPT4O', '4': 'MAI1' };
    return byCode[mdl.trim()] ?? null;
  }
  const byForm: Record<string, JobKind> = { dalle: 'DALLE', gpt4o: 'GPT4O', maiimage1: 'MAI1' };
  if (model !== null) return byForm[model.trim().toLowerCase()] ?? null;
  return 'DALLE';
}
