/**
 * Benchmark 1: how long after a result is ready each poll schedule sees it, and how many polls that
 * costs, with Bing's durations the schedule's priors (matched) and not (faster, slower, drifting).
 *
 * Simulated time: the real `LearnedSchedule` (and the other schedules) answer `nextDelay` and learn
 * from `observe` exactly as in the client's poll loop, but the clock is a discrete-event one, so an hour
 * of generations takes milliseconds and the figures hold no timer or network noise. Durations are drawn
 * with the simulator's own profiles (src/simulator/durations.ts).
 */
import type { GenerationKind } from '../src/bing/protocol.js';
import { DEFAULT_EXPECTED, FixedSchedule, LearnedSchedule, type PollScheduler } from '../src/bing/schedule.js';
import { DURATION_PROFILES, drawProfiled, factorAt, type ProfileName } from '../src/simulator/durations.js';
import { DEFAULT_DURATIONS } from '../src/simulator/jobs.js';
import {
  measure,
  type BenchOptions,
  type Benchmark,
  type Goal,
  type Measurement,
  type RunResult,
} from './benchmark.js';
import { mean, percentile } from './stats.js';

const KINDS = ['DALLE', 'GPT4O', 'MAI1', 'VIDEO'] as const satisfies readonly GenerationKind[];
const CASES = ['matched', 'faster', 'slower', 'speeds-up', 'slows-down'] as const satisfies readonly ProfileName[];
const TABLE = 'Detection delay (s after the result was ready) and polls per generation, once 10 results were seen';
const COLD_TABLE =
  'Generations submitted before the schedule saw 10 results of their kind (cold start): delay and polls';

const SCHEDULES = {
  learned: 'learned',
  clairvoyant: 'clairvoyant',
  peer: 'fixed 1 s',
  wrapper: 'fixed 5 s (GPT-4o 3 s)',
} as const;
type ScheduleName = keyof typeof SCHEDULES;

/** Generations submitted before the learned schedule saw this many results of their kind are reported apart. */
const WARM = 10;
/** Submits of a kind arrive at random, this many seconds apart on average: several run at once. */
const MEAN_GAP_MS = 4_000;

function settings(options: BenchOptions) {
  return options.quick ? { perKind: 60 } : { perKind: 200 };
}

/** A deterministic generator, so that every schedule of a run sees the same durations and arrivals. */
function seeded(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

interface Generation {
  index: number;
  submittedAt: number;
  durationMs: number;
  /** The shortest run the case's distribution can draw for this generation. */
  shortestMs: number;
}

function generations(profile: ProfileName, kind: GenerationKind, count: number, random: () => number): Generation[] {
  const range = DEFAULT_DURATIONS[kind];
  const spec = DURATION_PROFILES[profile];
  const out: Generation[] = [];
  let at = 0;
  for (let index = 0; index < count; index += 1) {
    at += 2 * MEAN_GAP_MS * random();
    out.push({
      index,
      submittedAt: at,
      durationMs: drawProfiled(range, spec, index, random),
      shortestMs: range.minMs * factorAt(spec, index),
    });
  }
  return out;
}

/** Knows the shortest run of each generation, polls there, then every second. */
function clairvoyant(shortestMs: number): PollScheduler {
  return {
    // A microsecond of slack: the simulated clock adds delays in floating point.
    nextDelay: (_kind, elapsed) => (elapsed < shortestMs - 1e-3 ? shortestMs - elapsed : 1_000),
    observe: () => undefined,
  };
}

interface Seen {
  index: number;
  submittedAt: number;
  seenAt: number;
  delayMs: number;
  polls: number;
}

/**
 * Runs every generation of one kind through a schedule on a simulated clock: each poll at its time,
 * observations fed back in the order results are seen, as in a server.
 */
function simulate(kind: GenerationKind, gens: Generation[], scheduleOf: (g: Generation) => PollScheduler): Seen[] {
  interface Live {
    gen: Generation;
    schedule: PollScheduler;
    pollAt: number;
    polls: number;
    notBefore: number;
  }
  const live: Live[] = gens.map((gen) => {
    const schedule = scheduleOf(gen);
    return { gen, schedule, pollAt: Number.NaN, polls: 0, notBefore: 0 };
  });
  const seen: Seen[] = [];
  // Submit events come in order; a generation's first delay is asked for at its submit.
  let next = 0;
  const running: Live[] = [];
  while (seen.length < gens.length) {
    let soonest: Live | undefined;
    for (const item of running) if (!soonest || item.pollAt < soonest.pollAt) soonest = item;
    const arrival = live[next];
    if (arrival && (!soonest || arrival.gen.submittedAt <= soonest.pollAt)) {
      arrival.pollAt = arrival.gen.submittedAt + arrival.schedule.nextDelay(kind, 0);
      running.push(arrival);
      next += 1;
      continue;
    }
    if (!soonest) throw new Error('no generation left to poll');
    const elapsed = soonest.pollAt - soonest.gen.submittedAt;
    soonest.polls += 1;
    if (elapsed >= soonest.gen.durationMs) {
      soonest.schedule.observe(kind, elapsed, soonest.notBefore);
      seen.push({
        index: soonest.gen.index,
        submittedAt: soonest.gen.submittedAt,
        seenAt: soonest.pollAt,
        delayMs: elapsed - soonest.gen.durationMs,
        polls: soonest.polls,
      });
      running.splice(running.indexOf(soonest), 1);
    } else {
      soonest.notBefore = elapsed;
      soonest.pollAt += soonest.schedule.nextDelay(kind, elapsed);
    }
  }
  return seen;
}

function scheduleFor(name: ScheduleName, learned: LearnedSchedule): (g: Generation) => PollScheduler {
  switch (name) {
    case 'learned':
      return () => learned;
    case 'clairvoyant':
      return (g) => clairvoyant(g.shortestMs);
    case 'peer':
      return () => new FixedSchedule(1_000);
    case 'wrapper':
      return () => new FixedSchedule((kind) => (kind === 'GPT4O' ? 3_000 : 5_000));
  }
}

function row(profile: ProfileName, kind: GenerationKind, schedule: ScheduleName): string {
  return `${profile} · ${kind} · ${SCHEDULES[schedule]}`;
}

function figures(table: string, label: string, seen: Seen[]): Measurement[] {
  if (seen.length === 0) return [];
  const delays = seen.map((s) => s.delayMs / 1000);
  return [
    ...measure(table, label, { 'mean delay (s)': mean(delays), 'p95 delay (s)': percentile(delays, 0.95) }, 2),
    ...measure(table, label, { 'polls / job': mean(seen.map((s) => s.polls)) }, 2),
  ];
}

async function run(options: BenchOptions, index: number): Promise<RunResult> {
  const { perKind } = settings(options);
  const measurements: Measurement[] = [];
  const problems: string[] = [];
  for (const profile of CASES) {
    for (const kind of KINDS) {
      const gens = generations(
        profile,
        kind,
        perKind,
        seeded(1_000 + index * 7919 + kind.length * 31 + profile.length),
      );
      // Warm: submitted after the learned schedule had seen WARM results of the kind; the same split for every schedule.
      let warmFrom = Number.POSITIVE_INFINITY;
      for (const name of ['learned', ...Object.keys(SCHEDULES).filter((n) => n !== 'learned')] as ScheduleName[]) {
        const seen = simulate(kind, gens, scheduleFor(name, new LearnedSchedule()));
        if (name === 'learned') warmFrom = [...seen.map((s) => s.seenAt)].sort((a, b) => a - b)[WARM - 1] ?? warmFrom;
        if (seen.some((s) => s.delayMs < 0))
          problems.push(`${profile} ${kind} ${name}: a result was seen before it was ready`);
        const label = row(profile, kind, name);
        measurements.push(
          ...figures(
            TABLE,
            label,
            seen.filter((s) => s.submittedAt > warmFrom),
          ),
        );
        if (name === 'learned' || name === 'peer') {
          measurements.push(
            ...figures(
              COLD_TABLE,
              label,
              seen.filter((s) => s.submittedAt <= warmFrom),
            ),
          );
        }
      }
    }
  }
  return { measurements, problems };
}

const DELAY_GOAL_S = 0.5;
const POLL_SHARE = 1.1;

export const schedulesBenchmark: Benchmark = {
  id: 'schedules',
  title: '1. Detection delay and polls per generation',
  describe(options) {
    const { perKind } = settings(options);
    const ranges = KINDS.map((k) => `${k} ${DEFAULT_DURATIONS[k].minMs / 1000}-${DEFAULT_DURATIONS[k].maxMs / 1000} s`);
    const priors = KINDS.map((k) => `${k} ${DEFAULT_EXPECTED[k].minMs / 1000}-${DEFAULT_EXPECTED[k].maxMs / 1000} s`);
    return [
      `Simulated time: each schedule's own code (the project's \`LearnedSchedule\`, \`FixedSchedule\`) decides every poll and learns from every result, on a discrete-event clock, so no run waits in real time; a poll is taken to answer at once (no network time), which a real client adds to every figure.`,
      `Per case and model, ${perKind} generations arrive at random (on average ${MEAN_GAP_MS / 1000} s apart, so that several run at once, as on a busy server), each with a duration drawn uniformly from the simulator's range (${ranges.join(', ')}) times the case's factor (src/simulator/durations.ts). The schedule assumes its priors: ${priors.join(', ')}.`,
      `Cases: **matched** (factor 1: durations are the priors); **faster** (×0.2, five times faster than the priors); **slower** (×3); **speeds-up** (×1 for 20 generations, then down to ×0.3 over 5); **slows-down** (×0.3, then up to ×1 over 5 from the 20th). Each schedule of a case sees the same durations and arrivals.`,
      `Schedules: \`LearnedSchedule\` with its defaults, starting with no history in every case; **clairvoyant** knows the shortest run each generation's distribution can draw and polls there, then every 1 s; **fixed 1 s**; **fixed 5 s (GPT-4o 3 s)**, the Express wrapper's intervals.`,
      `Delay = the poll that saw the result − the moment it was ready; polls = polls made for that generation. The main table holds the generations submitted after the learned schedule had seen ${WARM} results of their kind; the ones before (while it had little or nothing to learn from) are in the cold-start table, for every schedule the same split. Drift happens after them, so the drifting cases measure how it is followed.`,
      `Goal per case and model: learned mean delay ≤ ${DELAY_GOAL_S} s, with polls within ${Math.round((POLL_SHARE - 1) * 100)}% of the clairvoyant schedule's.`,
    ];
  },
  run: (options, index) => run(options, index),
  goals(median) {
    const goals: Goal[] = [];
    for (const profile of CASES) {
      for (const kind of KINDS) {
        const delay = median(TABLE, row(profile, kind, 'learned'), 'mean delay (s)');
        const polls = median(TABLE, row(profile, kind, 'learned'), 'polls / job');
        const best = median(TABLE, row(profile, kind, 'clairvoyant'), 'polls / job');
        goals.push({
          name: `${profile} ${kind}: mean delay ≤ ${DELAY_GOAL_S} s, polls ≤ ${POLL_SHARE}× clairvoyant`,
          target: `≤ ${DELAY_GOAL_S.toFixed(2)} s, ≤ ${(best * POLL_SHARE).toFixed(2)} polls`,
          measured: `${delay.toFixed(2)} s, ${polls.toFixed(2)} polls (${((polls / best) * 100).toFixed(0)}%)`,
          met: delay <= DELAY_GOAL_S && polls <= best * POLL_SHARE,
        });
      }
    }
    return goals;
  },
};
