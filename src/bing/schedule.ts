/**
 * When to poll. A poll that finds a result says only that the run ended somewhere between the previous
 * poll and this one: the learned schedule keeps each run as that interval (interval-censored), so its
 * estimate of the shortest run can move earlier as well as later.
 *
 * Per kind, from the last `window` runs:
 * - the shortest run is the earliest upper end (a run found at the first poll took "at most this long"),
 *   less the mean spacing of the lowest ends, since the shortest of a few runs lies above the shortest
 *   possible;
 * - the first poll goes there, then one every `intervalMs` up to past the longest run seen (never
 *   before the expected maximum), then the tail backs off;
 * - a wide interval near the front, among the last two runs, is bisected by one extra, earlier poll (a
 *   probe) on the next runs: if a run is done at the probe, the estimate halves; if not, it narrows;
 * - a kind with no history probes from an eighth of its expected minimum, doubling up to it, so that
 *   a run many times faster than expected is seen within about twice its duration.
 * A window of the last runs (64 by default) bounds how long a slow-down takes to be followed; a speed-up
 * is noticed within a few runs (several found at or before the estimated front), and the runs before it
 * are then forgotten.
 */
import type { GenerationKind } from './protocol.js';

export interface PollScheduler {
  /** Milliseconds to wait before the next poll of a generation submitted `elapsedMs` ago. */
  nextDelay(kind: GenerationKind, elapsedMs: number): number;
  /**
   * A generation of this kind was seen finished by a poll that answered `seenAtMs` after its submit;
   * the last poll that found it still running was sent `notBeforeMs` after the submit (0 when none did).
   */
  observe(kind: GenerationKind, seenAtMs: number, notBeforeMs: number): void;
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
  /** How many runs per kind the estimate keeps: a change of Bing's speed is followed within this many. */
  window: number;
  /** A kind without history polls first at this share of its expected minimum, then doubles. */
  coldProbeShare: number;
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
  intervalMs: 950,
  maxIntervalMs: 10_000,
  tailBackoff: 1.5,
  expected: DEFAULT_EXPECTED,
  window: 64,
  coldProbeShare: 1 / 8,
};

/** One run as a poll saw it, unscaled ms after the submit: ended after `lo`, by `hi`. */
export interface Observation {
  lo: number;
  hi: number;
}

/** What a schedule learned, as plain data (unscaled ms), for storing across restarts. */
export interface ScheduleSnapshot {
  version: 1;
  kinds: Partial<Record<GenerationKind, Array<[number, number]>>>;
}

/** The poll plan of a kind, unscaled ms after the submit. */
export interface PollPlan {
  /** Earlier polls, before the likely window (empty when none). */
  probes: number[];
  /** The first poll of the likely window: the estimated shortest run. */
  firstPollMs: number;
  /** Polls every interval up to here, then the tail backs off. */
  endMs: number;
}

/** An interval this narrow (in intervals) locates its run; a wider one only bounds it. */
const NARROW = 1.5;
/** Only a wide interval whose upper end is this close (in intervals) to the front is bisected. */
const PROBE_REACH = 2;
/** ... and only while it is among the last few runs: one wide interval costs a few probes, not a window of them. */
const PROBE_RECENT = 2;
/** The end of the likely window lies this far past the longest run seen. */
const END_MARGIN = 2;
/** Located runs needed before the front is extrapolated, and how far back (a share of it) it may go at most. */
const MIN_LOCATED = 2;
const MAX_STEP_BACK = 0.5;
/**
 * Bing sped up when `hits` of the last `recent` runs, and `margin` more than the older runs' share would
 * give, were already done at a first poll or probe by the front of the (at least `older`) runs before them.
 */
const SPED_UP = { recent: 8, hits: 4, margin: 4, older: 8 };
const KINDS: readonly GenerationKind[] = Object.keys(DEFAULT_EXPECTED) as GenerationKind[];

const isNarrow = (run: Observation, intervalMs: number) => run.hi - run.lo <= NARROW * intervalMs;

/**
 * The estimated shortest run. Upper ends: a poll's "done" bounds a run from above. The shortest of a few
 * runs lies about one spacing above the shortest possible, and each run found at its first poll (a wide
 * interval at the front) one more spacing below: the spacing is read from the runs just above the front.
 */
function frontOf(runs: readonly Observation[], intervalMs: number): number {
  const located = runs
    .filter((run) => isNarrow(run, intervalMs))
    .map((run) => run.hi)
    .sort((a, b) => a - b);
  let firstPollMs = Math.min(...runs.map((run) => run.hi));
  const front = located[0];
  if (front !== undefined && located.length >= MIN_LOCATED) {
    const quarter = located[Math.max(1, Math.ceil(located.length / 4) - 1)] ?? front;
    const span = Math.max(intervalMs, quarter - front);
    const within = located.filter((hi) => hi > front && hi <= front + span).length;
    const spacing = span / Math.max(1, within);
    const hits = runs.filter((run) => !isNarrow(run, intervalMs) && run.hi <= front).length;
    // Bounded: a few runs give a rough spacing, and one wrong step must not send every poll to the start.
    const step = Math.min((hits + 1) * spacing, front * MAX_STEP_BACK);
    firstPollMs = Math.max(0, Math.min(firstPollMs, front - step));
  }
  return firstPollMs;
}

/**
 * Whether the last runs no longer fit the older ones because Bing sped up. The older runs are then
 * forgotten, so that a long window, which places the front precisely while Bing keeps its speed, does
 * not keep the first poll late for a window of runs after it got faster (seeing results late). A
 * slow-down needs no such test: it costs early polls, never late results, and the window ages it out;
 * the order in which runs end (short ones first after any start) makes a "slower" test fire by mistake.
 */
function spedUp(runs: readonly Observation[], intervalMs: number): boolean {
  if (runs.length < SPED_UP.recent + SPED_UP.older) return false;
  const older = runs.slice(0, -SPED_UP.recent);
  const front = frontOf(older, intervalMs);
  // Found at a first poll or a probe near the front: a wide interval there.
  const atFront = (some: readonly Observation[]) =>
    some.filter((run) => !isNarrow(run, intervalMs) && run.hi <= front + intervalMs).length;
  // Where runs are narrow beside the interval, many end by the first poll even while Bing keeps its speed.
  const usual = (atFront(older) / older.length) * SPED_UP.recent;
  return atFront(runs.slice(-SPED_UP.recent)) >= Math.max(SPED_UP.hits, usual + SPED_UP.margin);
}

/** Probes from `share` of `untilMs`, doubling up to it. */
function ladder(untilMs: number, share: number): number[] {
  const probes: number[] = [];
  for (let t = untilMs * share; t > 0 && t < untilMs; t *= 2) probes.push(t);
  return probes;
}

export class LearnedSchedule implements PollScheduler {
  readonly #options: LearnedScheduleOptions;
  readonly #runs = new Map<GenerationKind, Observation[]>();
  /** Plans are computed once per observation rather than once per poll. */
  readonly #plans = new Map<GenerationKind, PollPlan>();
  readonly #listeners = new Set<() => void>();

  constructor(options: Partial<LearnedScheduleOptions> = {}) {
    this.#options = { ...DEFAULT_SCHEDULE, ...options, expected: { ...DEFAULT_EXPECTED, ...options.expected } };
  }

  get timeScale(): number {
    return this.#options.timeScale;
  }

  /** The current plan of a kind, unscaled. */
  plan(kind: GenerationKind): PollPlan {
    let plan = this.#plans.get(kind);
    if (!plan) {
      plan = this.#planFor(kind);
      this.#plans.set(kind, plan);
    }
    return plan;
  }

  #planFor(kind: GenerationKind): PollPlan {
    const { intervalMs, expected, coldProbeShare } = this.#options;
    const range = expected[kind];
    const runs = this.#runs.get(kind) ?? [];
    if (runs.length === 0) {
      return {
        probes: ladder(range.minMs, coldProbeShare),
        firstPollMs: range.minMs,
        endMs: Math.max(range.maxMs, range.minMs),
      };
    }
    const narrow = (run: Observation) => isNarrow(run, intervalMs);
    const firstPollMs = frontOf(runs, intervalMs);
    const longest = Math.max(...runs.map((run) => run.hi));
    const endMs = Math.max(range.maxMs, longest * END_MARGIN, firstPollMs + intervalMs);
    // The most recent wide interval near the front, if any, is bisected.
    const open = runs
      .slice(-PROBE_RECENT)
      .findLast((run) => !narrow(run) && run.hi <= firstPollMs + PROBE_REACH * intervalMs);
    const probe = open && (open.lo + open.hi) / 2;
    const probes = probe !== undefined && probe < firstPollMs ? [probe] : [];
    return { probes, firstPollMs, endMs };
  }

  nextDelay(kind: GenerationKind, elapsedMs: number): number {
    const { timeScale, intervalMs, maxIntervalMs, tailBackoff } = this.#options;
    const interval = intervalMs * timeScale;
    // A poll that answered late is not followed by another at once.
    const soonest = interval / 2;
    const plan = this.plan(kind);
    for (const probe of plan.probes) {
      if (elapsedMs < probe * timeScale) return Math.max(probe * timeScale - elapsedMs, soonest);
    }
    const first = plan.firstPollMs * timeScale;
    const end = plan.endMs * timeScale;
    if (elapsedMs < first) return Math.max(first - elapsedMs, soonest);
    if (elapsedMs < end) {
      // On a grid from the first poll, so that slow answers do not push every later poll back.
      // (A hundredth of an interval of slack, for elapsed times that land on the grid in floating point.)
      const next = first + (Math.floor((elapsedMs - first) / interval + 0.01) + 1) * interval;
      return Math.max(next - elapsedMs, soonest);
    }
    const tailPolls = Math.floor((elapsedMs - end) / interval);
    return Math.min(interval * tailBackoff ** (tailPolls + 1), maxIntervalMs * timeScale);
  }

  observe(kind: GenerationKind, seenAtMs: number, notBeforeMs: number): void {
    const { timeScale } = this.#options;
    if (!Number.isFinite(seenAtMs) || seenAtMs < 0) return;
    const lo = Number.isFinite(notBeforeMs) ? Math.min(Math.max(0, notBeforeMs), seenAtMs) : 0;
    this.#record(kind, { lo: lo / timeScale, hi: seenAtMs / timeScale });
    for (const listener of this.#listeners) listener();
  }

  #record(kind: GenerationKind, run: Observation): void {
    const runs = this.#runs.get(kind) ?? [];
    runs.push(run);
    while (runs.length > this.#options.window) runs.shift();
    if (spedUp(runs, this.#options.intervalMs)) runs.splice(0, runs.length - SPED_UP.recent);
    this.#runs.set(kind, runs);
    this.#plans.delete(kind);
  }

  /** Called after each observation (for saving what was learned); returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  snapshot(): ScheduleSnapshot {
    const kinds: ScheduleSnapshot['kinds'] = {};
    for (const [kind, runs] of this.#runs) kinds[kind] = runs.map((run) => [run.lo, run.hi]);
    return { version: 1, kinds };
  }

  /** Takes back a snapshot (from any time scale: it is unscaled); anything malformed in it is skipped. */
  restore(snapshot: unknown): void {
    if (typeof snapshot !== 'object' || snapshot === null) return;
    const { version, kinds } = snapshot as Partial<ScheduleSnapshot>;
    if (version !== 1 || typeof kinds !== 'object' || kinds === null) return;
    for (const kind of KINDS) {
      const runs = (kinds as Record<string, unknown>)[kind];
      if (!Array.isArray(runs)) continue;
      this.#runs.delete(kind);
      this.#plans.delete(kind);
      for (const run of runs) {
        if (!Array.isArray(run) || run.length !== 2) continue;
        const [lo, hi] = run as unknown[];
        if (typeof lo !== 'number' || typeof hi !== 'number') continue;
        if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo < 0 || hi < lo) continue;
        this.#record(kind, { lo, hi });
      }
    }
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
