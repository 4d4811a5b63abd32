/**
 * When to poll. Bing's generations take a model-dependent time that is never short, so polling from the
 * first second only spends requests against the account. The learned schedule waits out the part of the
 * run in which results are unlikely, polls densely through the likely part, and backs off in the tail.
 */
import type { GenerationKind } from './protocol.js';

export interface PollScheduler {
  /** Milliseconds to wait before the next poll of a generation submitted `elapsedMs` ago. */
  nextDelay(kind: GenerationKind, elapsedMs: number): number;
  /** A generation of this kind was seen finished `durationMs` after its submit. */
  observe(kind: GenerationKind, durationMs: number): void;
}

export interface DurationRange {
  minMs: number;
  maxMs: number;
}

export interface LearnedScheduleOptions {
  /** Multiplies every duration and interval below: 0.1 makes everything ten times faster. */
  timeScale: number;
  /** The poll interval through the likely part of a run. */
  intervalMs: number;
  /** The longest wait between two polls in the tail, after the likely part. */
  maxIntervalMs: number;
  /** Each tail poll waits this much longer than the one before. */
  tailBackoff: number;
  /** What a run of each kind takes before anything was observed (unscaled). */
  expected: Record<GenerationKind, DurationRange>;
  /** How many observed durations per kind the estimate keeps. */
  window: number;
  /** Observations needed before they replace the expected range. */
  minSamples: number;
}

export const DEFAULT_EXPECTED: Record<GenerationKind, DurationRange> = {
  DALLE: { minMs: 5_000, maxMs: 15_000 },
  GPT4O: { minMs: 20_000, maxMs: 70_000 },
  MAI1: { minMs: 20_000, maxMs: 70_000 },
  VIDEO: { minMs: 60_000, maxMs: 180_000 },
  VIDEO_STANDARD: { minMs: 180_000, maxMs: 1_800_000 },
};

export const DEFAULT_SCHEDULE: LearnedScheduleOptions = {
  timeScale: 1,
  intervalMs: 1_000,
  maxIntervalMs: 10_000,
  tailBackoff: 1.5,
  expected: DEFAULT_EXPECTED,
  window: 64,
  minSamples: 8,
};

export class LearnedSchedule implements PollScheduler {
  readonly #options: LearnedScheduleOptions;
  readonly #samples = new Map<GenerationKind, number[]>();
  /** The same samples, sorted once per observation rather than once per poll. */
  readonly #sorted = new Map<GenerationKind, number[]>();

  constructor(options: Partial<LearnedScheduleOptions> = {}) {
    this.#options = { ...DEFAULT_SCHEDULE, ...options, expected: { ...DEFAULT_EXPECTED, ...options.expected } };
  }

  /**
   * The likely window of a run, scaled. The first poll goes where results start to come: before enough
   * observations, one interval past the expected minimum; after, the shortest run observed (observed
   * durations lag the true ones by up to one interval, so it is already a little past the earliest
   * finish). A higher quantile would save a few polls, but every run shorter than it waits out the gap.
   * The window ends at the expected maximum or past the longest observed run, whichever is later: early
   * observations are the fast runs only, and a window learned from them alone would push the slow ones
   * into the tail.
   */
  window(kind: GenerationKind): { firstPollMs: number; endMs: number } {
    const { timeScale, intervalMs, expected, minSamples } = this.#options;
    const range = expected[kind];
    const expectedEnd = range.maxMs * timeScale;
    const sorted = this.#sorted.get(kind) ?? [];
    if (sorted.length >= minSamples) {
      const longest = (sorted.at(-1) ?? 0) + intervalMs * timeScale;
      return { firstPollMs: sorted[0] ?? 0, endMs: Math.max(expectedEnd, longest) };
    }
    return { firstPollMs: (range.minMs + intervalMs) * timeScale, endMs: expectedEnd };
  }

  nextDelay(kind: GenerationKind, elapsedMs: number): number {
    const { timeScale, intervalMs, maxIntervalMs, tailBackoff } = this.#options;
    const interval = intervalMs * timeScale;
    const { firstPollMs, endMs } = this.window(kind);
    if (elapsedMs < firstPollMs) return Math.max(interval, firstPollMs - elapsedMs);
    if (elapsedMs < endMs) return interval;
    const tailPolls = Math.floor((elapsedMs - endMs) / interval);
    return Math.min(interval * tailBackoff ** (tailPolls + 1), maxIntervalMs * timeScale);
  }

  observe(kind: GenerationKind, durationMs: number): void {
    if (!Number.isFinite(durationMs) || durationMs < 0) return;
    const samples = this.#samples.get(kind) ?? [];
    samples.push(durationMs);
    if (samples.length > this.#options.window) samples.shift();
    this.#samples.set(kind, samples);
    this.#sorted.set(
      kind,
      [...samples].sort((a, b) => a - b),
    );
  }
}

/** A fixed interval per kind: the schedules of other wrappers, kept for comparison in the benchmarks. */
export class FixedSchedule implements PollScheduler {
  readonly #intervals: (kind: GenerationKind) => number;

  constructor(intervalMs: number | ((kind: GenerationKind) => number)) {
    this.#intervals = typeof intervalMs === 'number' ? () => intervalMs : intervalMs;
  }

  nextDelay(kind: GenerationKind): number {
    return this.#intervals(kind);
  }

  observe(): void {}
}
