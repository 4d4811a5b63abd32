import { describe, expect, it } from 'vitest';
import type { GenerationKind } from '../../src/bing/protocol.js';
import {
  DEFAULT_EXPECTED,
  DEFAULT_SCHEDULE,
  FixedSchedule,
  LearnedSchedule,
  type PollScheduler,
} from '../../src/bing/schedule.js';

/** The times (ms after submit) at which a run would be polled, up to `untilMs`. */
function pollTimes(schedule: PollScheduler, kind: GenerationKind, untilMs: number): number[] {
  const times: number[] = [];
  let t = 0;
  for (;;) {
    t += schedule.nextDelay(kind, t);
    if (t > untilMs) return times;
    times.push(t);
  }
}

/** Polls one run of `durationMs` to its end as the poll loop does, feeding the result back; returns its polls and delay. */
function runOnce(schedule: PollScheduler, kind: GenerationKind, durationMs: number): { polls: number; delay: number } {
  let t = 0;
  let notBefore = 0;
  let polls = 0;
  for (;;) {
    t += schedule.nextDelay(kind, t);
    polls += 1;
    if (t >= durationMs) break;
    notBefore = t;
  }
  schedule.observe(kind, t, notBefore);
  return { polls, delay: t - durationMs };
}

/** A fixed sequence, so that these figures are the same on every run. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}
const random = seeded(42);

function uniform(minMs: number, maxMs: number): number {
  return minMs + (maxMs - minMs) * random();
}

describe('LearnedSchedule without history', () => {
  it('probes early and doubles up to the expected minimum, then polls every interval to the expected maximum', () => {
    const times = pollTimes(new LearnedSchedule(), 'DALLE', 15_000);
    expect(times.slice(0, 4)).toEqual([625, 1_250, 2_500, 5_000]);
    const dense = times.slice(4);
    for (let i = 1; i < dense.length; i += 1)
      expect(dense[i]! - dense[i - 1]!).toBeCloseTo(DEFAULT_SCHEDULE.intervalMs, 6);
    expect(times.at(-1)).toBeGreaterThan(14_000);
  });

  it('finds a run many times faster than its prior within about twice its duration', () => {
    for (const [kind, duration] of [
      ['DALLE', 1_100],
      ['GPT4O', 3_000],
      ['VIDEO', 8_000],
    ] as const) {
      const { delay } = runOnce(new LearnedSchedule(), kind, duration);
      expect(duration + delay).toBeLessThanOrEqual(2 * duration);
    }
  });

  it('backs off in the tail, never beyond the maximum interval', () => {
    const schedule = new LearnedSchedule();
    const tail = [15_000, 16_000, 18_000, 25_000, 60_000, 600_000].map((t) => schedule.nextDelay('DALLE', t));
    for (let i = 1; i < tail.length; i += 1) expect(tail[i]).toBeGreaterThanOrEqual(tail[i - 1]!);
    expect(Math.max(...tail)).toBe(10_000);
    expect(pollTimes(schedule, 'DALLE', 300_000).filter((t) => t > 15_000).length).toBeLessThan(40);
  });

  it('scales every time with timeScale', () => {
    const fast = new LearnedSchedule({ timeScale: 0.01 });
    expect(fast.nextDelay('DALLE', 0)).toBeCloseTo(6.25);
    expect(fast.nextDelay('DALLE', 50)).toBeCloseTo(DEFAULT_SCHEDULE.intervalMs / 100);
    expect(fast.nextDelay('DALLE', 100_000)).toBeCloseTo(100);
  });
});

describe('LearnedSchedule learning from interval-censored runs', () => {
  it('moves earlier when runs are found at the first poll (5x faster than the prior)', () => {
    const schedule = new LearnedSchedule();
    const delays: number[] = [];
    for (let i = 0; i < 100; i += 1) delays.push(runOnce(schedule, 'DALLE', uniform(1_000, 3_000)).delay);
    expect(schedule.plan('DALLE').firstPollMs).toBeLessThan(2_000);
    const late = delays.slice(8);
    expect(late.reduce((a, b) => a + b, 0) / late.length).toBeLessThan(500);
  });

  it('moves later when runs are slower (3x), with fewer polls than a fixed 1 s interval', () => {
    const schedule = new LearnedSchedule();
    const fixed = new FixedSchedule(1_000);
    let learnedPolls = 0;
    let fixedPolls = 0;
    const delays: number[] = [];
    for (let i = 0; i < 40; i += 1) {
      const duration = uniform(15_000, 45_000);
      const learned = runOnce(schedule, 'DALLE', duration);
      if (i >= 8) {
        delays.push(learned.delay);
        learnedPolls += learned.polls;
        fixedPolls += runOnce(fixed, 'DALLE', duration).polls;
      }
    }
    expect(schedule.plan('DALLE').firstPollMs).toBeGreaterThan(12_000);
    // Short runs of a wide spread are still found at the first poll now and then: under a second on average.
    expect(delays.reduce((a, b) => a + b, 0) / delays.length).toBeLessThan(1_000);
    expect(learnedPolls).toBeLessThan(fixedPolls);
  });

  it('follows a drift either way within its window', () => {
    const schedule = new LearnedSchedule({ window: 16 });
    for (let i = 0; i < 30; i += 1) runOnce(schedule, 'GPT4O', uniform(20_000, 70_000));
    const before = schedule.plan('GPT4O').firstPollMs;
    expect(before).toBeGreaterThan(15_000);
    for (let i = 0; i < 16; i += 1) runOnce(schedule, 'GPT4O', uniform(6_000, 21_000));
    const sped = schedule.plan('GPT4O').firstPollMs;
    expect(sped).toBeLessThan(12_000);
    for (let i = 0; i < 16; i += 1) runOnce(schedule, 'GPT4O', uniform(20_000, 70_000));
    expect(schedule.plan('GPT4O').firstPollMs).toBeGreaterThan(15_000);
  });

  it('follows a speed-up within a few runs, whatever its window, by forgetting the runs before it', () => {
    const schedule = new LearnedSchedule();
    for (let i = 0; i < 64; i += 1) runOnce(schedule, 'GPT4O', uniform(20_000, 70_000));
    expect(schedule.plan('GPT4O').firstPollMs).toBeGreaterThan(15_000);
    const delays: number[] = [];
    for (let i = 0; i < 24; i += 1) delays.push(runOnce(schedule, 'GPT4O', uniform(6_000, 21_000)).delay);
    expect(schedule.snapshot().kinds.GPT4O!.length).toBeLessThan(32);
    expect(schedule.plan('GPT4O').firstPollMs).toBeLessThan(9_000);
    const late = delays.slice(-8);
    expect(late.reduce((a, b) => a + b, 0) / late.length).toBeLessThan(1_000);
  });

  it('keeps its whole window while Bing keeps its speed: no speed-up is seen by chance', () => {
    // Durations as the priors expect; VIDEO narrow beside the interval, so that many runs end by the first poll.
    for (const [kind, min, max] of [
      ['DALLE', 5_000, 15_000],
      ['GPT4O', 20_000, 70_000],
      ['VIDEO', 1_000, 3_000],
    ] as const) {
      const schedule = new LearnedSchedule({ expected: { ...DEFAULT_EXPECTED, [kind]: { minMs: min, maxMs: max } } });
      const { window } = DEFAULT_SCHEDULE;
      // Until the window is full, a front first placed too late may be corrected by forgetting: after, never.
      for (let i = 0; i < 2 * window; i += 1) runOnce(schedule, kind, uniform(min, max));
      while (schedule.snapshot().kinds[kind]!.length < window) runOnce(schedule, kind, uniform(min, max));
      for (let i = 0; i < 1_000; i += 1) {
        runOnce(schedule, kind, uniform(min, max));
        expect(schedule.snapshot().kinds[kind]!.length).toBe(window);
      }
    }
  });

  it('keeps each kind apart and ignores observations that are not times', () => {
    const schedule = new LearnedSchedule();
    for (const d of [Number.NaN, -5, Number.POSITIVE_INFINITY]) schedule.observe('MAI1', d, 0);
    schedule.observe('DALLE', 2_000, 1_000);
    expect(schedule.plan('MAI1')).toEqual(new LearnedSchedule().plan('MAI1'));
    expect(schedule.plan('GPT4O')).toEqual(new LearnedSchedule().plan('GPT4O'));
    expect(schedule.plan('DALLE').firstPollMs).toBeLessThanOrEqual(2_000);
  });

  it('bisects a wide interval at the front with one earlier probe', () => {
    const schedule = new LearnedSchedule({ expected: { ...DEFAULT_EXPECTED, DALLE: { minMs: 8_000, maxMs: 15_000 } } });
    for (let i = 0; i < 6; i += 1) schedule.observe('DALLE', 8_000 + i * 900, 7_100 + i * 900);
    // Found at its first poll: it took at most 6 s, maybe much less.
    schedule.observe('DALLE', 6_000, 0);
    expect(schedule.plan('DALLE').probes).toEqual([3_000]);
  });
});

describe('LearnedSchedule snapshot', () => {
  it('restores what it learned, unscaled, and skips what is malformed', () => {
    const a = new LearnedSchedule({ timeScale: 0.1 });
    let changes = 0;
    a.onChange(() => {
      changes += 1;
    });
    for (let i = 0; i < 5; i += 1) a.observe('DALLE', 200 + i * 10, 110 + i * 10);
    expect(changes).toBe(5);
    const data = JSON.parse(JSON.stringify(a.snapshot()));
    expect(data.kinds.DALLE[0]).toEqual([1_100, 2_000]);
    const b = new LearnedSchedule();
    b.restore(data);
    expect(b.plan('DALLE')).toEqual(a.plan('DALLE'));
    const c = new LearnedSchedule();
    for (const bad of [
      null,
      'x',
      { version: 2, kinds: {} },
      { version: 1, kinds: { DALLE: [[5, 1], 'x', [Number.NaN, 1]] } },
    ]) {
      c.restore(bad);
    }
    expect(c.plan('DALLE')).toEqual(new LearnedSchedule().plan('DALLE'));
  });
});

describe('FixedSchedule', () => {
  it('answers the same interval whatever the elapsed time, per kind when given a function', () => {
    const flat: PollScheduler = new FixedSchedule(5_000);
    expect([0, 1_000, 999_999].map((t) => flat.nextDelay('DALLE', t))).toEqual([5_000, 5_000, 5_000]);
    flat.observe('VIDEO', 1, 0);
    const perKind: PollScheduler = new FixedSchedule((kind) => (kind === 'GPT4O' ? 3_000 : 5_000));
    expect(perKind.nextDelay('GPT4O', 0)).toBe(3_000);
    expect(perKind.nextDelay('DALLE', 0)).toBe(5_000);
  });
});
