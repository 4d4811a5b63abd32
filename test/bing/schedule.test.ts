import { describe, expect, it } from 'vitest';
import { DEFAULT_EXPECTED, FixedSchedule, LearnedSchedule, type PollScheduler } from '../../src/bing/schedule.js';

/** The times (ms after submit) at which a run of `kind` would be polled, up to `untilMs`. */
function pollTimes(schedule: LearnedSchedule, kind: 'DALLE' | 'GPT4O' | 'VIDEO', untilMs: number): number[] {
  const times: number[] = [];
  let t = 0;
  for (;;) {
    t += schedule.nextDelay(kind, t);
    if (t > untilMs) return times;
    times.push(t);
  }
}

describe('LearnedSchedule before any observation', () => {
  const schedule = new LearnedSchedule();

  it('waits out the part of the run in which a result is unlikely', () => {
    // DALL-E takes 5-15 s: the first poll comes one interval after the earliest likely finish.
    expect(schedule.nextDelay('DALLE', 0)).toBe(6_000);
    expect(schedule.nextDelay('DALLE', 2_000)).toBe(4_000);
    expect(schedule.nextDelay('GPT4O', 0)).toBe(21_000);
    expect(schedule.nextDelay('VIDEO', 0)).toBe(61_000);
    expect(pollTimes(schedule, 'DALLE', 5_999)).toEqual([]);
  });

  it('polls densely, once per interval, through the likely part', () => {
    for (const elapsed of [6_000, 9_500, 14_999]) expect(schedule.nextDelay('DALLE', elapsed)).toBe(1_000);
    const times = pollTimes(schedule, 'DALLE', 15_000);
    expect(times[0]).toBe(6_000);
    expect(times.length).toBe(10);
  });

  it('backs off in the tail, never beyond the maximum interval', () => {
    const tail = [15_000, 16_000, 18_000, 25_000, 60_000, 600_000].map((elapsed) =>
      schedule.nextDelay('DALLE', elapsed),
    );
    for (let i = 1; i < tail.length; i += 1) expect(tail[i]).toBeGreaterThanOrEqual(tail[i - 1]!);
    expect(tail[0]).toBeGreaterThan(1_000);
    expect(Math.max(...tail)).toBe(10_000);
    // A long tail costs few polls: about one per maximum interval.
    const polls = pollTimes(schedule, 'DALLE', 300_000).filter((t) => t > 15_000);
    expect(polls.length).toBeLessThan(300_000 / 10_000 + 10);
  });

  it('scales every duration and interval with timeScale', () => {
    const fast = new LearnedSchedule({ timeScale: 0.01 });
    expect(fast.nextDelay('DALLE', 0)).toBeCloseTo(60);
    expect(fast.nextDelay('DALLE', 100)).toBeCloseTo(10);
    expect(fast.nextDelay('DALLE', 100_000)).toBeCloseTo(100);
    expect(fast.window('VIDEO')).toEqual({ firstPollMs: (60_000 + 1_000) * 0.01, endMs: 180_000 * 0.01 });
  });

  it('takes expected ranges and intervals from its options', () => {
    const custom = new LearnedSchedule({
      intervalMs: 500,
      maxIntervalMs: 2_000,
      expected: { ...DEFAULT_EXPECTED, DALLE: { minMs: 0, maxMs: 1_000 } },
    });
    expect(custom.nextDelay('DALLE', 0)).toBe(500);
    expect(custom.nextDelay('DALLE', 60_000)).toBe(2_000);
    expect(custom.nextDelay('GPT4O', 0)).toBe(20_500);
  });
});

describe('LearnedSchedule learning', () => {
  it('keeps the expected window until minSamples observations, then moves it to what was observed', () => {
    const schedule = new LearnedSchedule({ minSamples: 4 });
    const before = schedule.window('DALLE');
    for (const d of [30_000, 31_000, 32_000]) schedule.observe('DALLE', d);
    expect(schedule.window('DALLE')).toEqual(before);
    schedule.observe('DALLE', 33_000);
    const after = schedule.window('DALLE');
    expect(after.firstPollMs).toBe(30_000);
    expect(after.endMs).toBe(33_000 + 1_000);
    // The dead part is now the first 30 s, and polls are dense right through the observed finishes.
    expect(schedule.nextDelay('DALLE', 0)).toBe(30_000);
    expect(schedule.nextDelay('DALLE', 31_000)).toBe(1_000);
    // Other kinds are untouched.
    expect(schedule.window('GPT4O')).toEqual(new LearnedSchedule().window('GPT4O'));
  });

  it('moves earlier when runs get faster, forgetting what falls out of the window', () => {
    const schedule = new LearnedSchedule({ minSamples: 2, window: 4 });
    for (const d of [40_000, 40_000, 40_000, 40_000]) schedule.observe('GPT4O', d);
    expect(schedule.window('GPT4O').firstPollMs).toBe(40_000);
    for (const d of [8_000, 8_000, 8_000, 8_000]) schedule.observe('GPT4O', d);
    // The start follows what was observed; the end never comes before the expected maximum (70 s).
    expect(schedule.window('GPT4O')).toEqual({ firstPollMs: 8_000, endMs: 70_000 });
  });

  it('keeps polling densely up to the expected maximum when only fast runs were seen yet', () => {
    const schedule = new LearnedSchedule({ minSamples: 4 });
    for (const d of [5_500, 6_000, 6_500, 7_000]) schedule.observe('DALLE', d);
    expect(schedule.nextDelay('DALLE', 14_000)).toBe(1_000);
    expect(schedule.nextDelay('DALLE', 16_000)).toBeGreaterThan(1_000);
  });

  it('ignores observations that are not durations', () => {
    const schedule = new LearnedSchedule({ minSamples: 1 });
    for (const d of [Number.NaN, -5, Number.POSITIVE_INFINITY]) schedule.observe('MAI1', d);
    expect(schedule.window('MAI1')).toEqual(new LearnedSchedule().window('MAI1'));
  });
});

describe('FixedSchedule', () => {
  it('answers the same interval whatever the elapsed time, per kind when given a function', () => {
    const flat: PollScheduler = new FixedSchedule(5_000);
    expect([0, 1_000, 999_999].map((t) => flat.nextDelay('DALLE', t))).toEqual([5_000, 5_000, 5_000]);
    flat.observe('VIDEO', 1);
    expect(flat.nextDelay('VIDEO', 0)).toBe(5_000);
    const perKind: PollScheduler = new FixedSchedule((kind) => (kind === 'GPT4O' ? 3_000 : 5_000));
    expect(perKind.nextDelay('GPT4O', 0)).toBe(3_000);
    expect(perKind.nextDelay('DALLE', 0)).toBe(5_000);
  });
});
