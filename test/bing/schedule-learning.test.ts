/**
 * The learned schedule over real HTTP against the simulator, with Bing's durations NOT the schedule's
 * priors: five times faster, three times slower, and a speed-up in the middle of a run. Delays are read
 * from the simulator's own record of each job (first poll answered done − ready), scaled back to real time.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FixedSchedule, LearnedSchedule } from '../../src/bing/schedule.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import type { SimJob } from '../../src/simulator/jobs.js';
import { Clients } from './harness.js';

let sim: Simulator;
const clients = new Clients(() => sim);

beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.reset();
  sim.configure({ profile: 'matched', timeScale: 1 });
});
afterEach(() => clients.closeAll());

function job(requestId: string): SimJob {
  const found = sim.jobs.get(requestId);
  if (!found?.firstSeenDoneAt) throw new Error(`job ${requestId} was not seen done`);
  return found;
}

/** Real-scale ms from ready to the first poll that answered done. */
function delayOf(j: SimJob, timeScale: number): number {
  return (j.firstSeenDoneAt! - j.readyAt) / timeScale;
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** `count` DALL-E images at once; their simulator jobs. */
async function round(client: ReturnType<Clients['make']>, label: string, count: number): Promise<SimJob[]> {
  const results = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      client.createImage({ prompt: `${label} ${i}`, model: 'DALLE', aspect: 'SQUARE' }),
    ),
  );
  return results.map((r) => job(r.requestId));
}

describe('a model five times faster than its prior', () => {
  const TS = 0.5;

  it('is found within about twice its duration the first time, then within 500 ms on average', {
    timeout: 60_000,
  }, async () => {
    sim.configure({ timeScale: TS, profile: 'faster' });
    const client = clients.make({ schedule: new LearnedSchedule({ timeScale: TS }) });
    const [first] = await round(client, 'first', 1);
    const duration = first!.readyAt - first!.submittedAt;
    // Two durations, and a little for the requests themselves on a busy machine.
    expect(first!.firstSeenDoneAt! - first!.submittedAt).toBeLessThanOrEqual(2 * duration + 60);

    for (let r = 0; r < 3; r += 1) await round(client, `learn ${r}`, 4);
    const measured: SimJob[] = [];
    for (let r = 0; r < 6; r += 1) measured.push(...(await round(client, `measure ${r}`, 4)));
    expect(mean(measured.map((j) => delayOf(j, TS)))).toBeLessThanOrEqual(500);
  });
});

describe('a model three times slower than its prior', () => {
  const TS = 0.1;

  it('is found with fewer polls than a fixed 1 s interval, soon after it is ready', { timeout: 90_000 }, async () => {
    sim.configure({ timeScale: TS, profile: 'slower' });
    const learned = clients.make({ schedule: new LearnedSchedule({ timeScale: TS }) });
    const fixed = clients.make({ schedule: new FixedSchedule(1_000 * TS) });
    for (let r = 0; r < 2; r += 1) await round(learned, `learn ${r}`, 6);
    const [mine, theirs] = await Promise.all([round(learned, 'measure', 8), round(fixed, 'fixed', 8)]);
    const polls = (jobs: SimJob[]) => jobs.reduce((sum, j) => sum + j.polls, 0);
    expect(polls(mine!)).toBeLessThan(polls(theirs!));
    // Fixed 1 s sees a result 500 ms after it is ready on average; the learned schedule polls at 0.9 s
    // through the window but now and then finds a short run at its first poll: within a second.
    expect(mean(mine!.map((j) => delayOf(j, TS)))).toBeLessThanOrEqual(1_000);
  });
});

describe('a drift in the middle of a run', () => {
  const TS = 0.25;

  it('follows Bing when it becomes five times faster', { timeout: 90_000 }, async () => {
    // From the 8th job on, a fifth of the prior's durations.
    sim.configure({ timeScale: TS, profile: { factor: 1, drift: { fromJob: 8, overJobs: 0, toFactor: 0.2 } } });
    const schedule = new LearnedSchedule({ timeScale: TS });
    const client = clients.make({ schedule });
    for (let r = 0; r < 2; r += 1) await round(client, `before ${r}`, 4);
    const before = schedule.plan('DALLE').firstPollMs;
    expect(before).toBeGreaterThan(3_500);
    const after: SimJob[][] = [];
    for (let r = 0; r < 5; r += 1) after.push(await round(client, `after ${r}`, 4));
    // The first poll moved to the new, shorter runs (1-3 s), and the last rounds see them promptly.
    expect(schedule.plan('DALLE').firstPollMs).toBeLessThan(2_500);
    expect(
      mean(
        after
          .slice(-2)
          .flat()
          .map((j) => delayOf(j, TS)),
      ),
    ).toBeLessThanOrEqual(700);
  });
});
