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

/** The mean delay of jobs, real-scale ms. */
const meanDelay = (jobs: SimJob[], timeScale: number) => mean(jobs.map((j) => delayOf(j, timeScale)));

// Each delay below includes the time the requests take, ten times magnified at a time scale of 0.1: the
// learned schedule is compared with a fixed 1 s interval (500 ms late on average) measured in the same
// rounds, under the same load, rather than with an absolute figure.

describe('a model five times faster than its prior', () => {
  const TS = 0.5;

  it('is found within about twice its duration the first time, then about as soon as a fixed 1 s interval would', {
    timeout: 60_000,
  }, async () => {
    sim.configure({ timeScale: TS, profile: 'faster' });
    const client = clients.make({ schedule: new LearnedSchedule({ timeScale: TS }) });
    const fixed = clients.make({ schedule: new FixedSchedule(1_000 * TS) });
    const [first] = await round(client, 'first', 1);
    const duration = first!.readyAt - first!.submittedAt;
    // Two durations, and a little for the requests themselves on a busy machine.
    expect(first!.firstSeenDoneAt! - first!.submittedAt).toBeLessThanOrEqual(2 * duration + 60);

    for (let r = 0; r < 3; r += 1) await round(client, `learn ${r}`, 4);
    const mine: SimJob[] = [];
    const theirs: SimJob[] = [];
    for (let r = 0; r < 6; r += 1) {
      const [a, b] = await Promise.all([round(client, `measure ${r}`, 4), round(fixed, `fixed ${r}`, 4)]);
      mine.push(...a!);
      theirs.push(...b!);
    }
    expect(meanDelay(mine, TS)).toBeLessThanOrEqual(meanDelay(theirs, TS) + 250);
  });
});

describe('a model three times slower than its prior', () => {
  const TS = 0.1;

  it('is found with fewer polls than a fixed 1 s interval, about as soon after it is ready', {
    timeout: 90_000,
  }, async () => {
    sim.configure({ timeScale: TS, profile: 'slower' });
    const learned = clients.make({ schedule: new LearnedSchedule({ timeScale: TS }) });
    const fixed = clients.make({ schedule: new FixedSchedule(1_000 * TS) });
    for (let r = 0; r < 2; r += 1) await round(learned, `learn ${r}`, 6);
    const [mine, theirs] = await Promise.all([round(learned, 'measure', 8), round(fixed, 'fixed', 8)]);
    const polls = (jobs: SimJob[]) => jobs.reduce((sum, j) => sum + j.polls, 0);
    expect(polls(mine!)).toBeLessThan(polls(theirs!));
    // After 12 runs of a wide spread, the front is placed roughly: a short run is found late now and then.
    expect(meanDelay(mine!, TS)).toBeLessThanOrEqual(meanDelay(theirs!, TS) + 750);
  });
});

describe('a drift in the middle of a run', () => {
  const TS = 0.25;

  it('follows Bing when it becomes five times faster', { timeout: 90_000 }, async () => {
    // From the 8th job on, a fifth of the prior's durations.
    sim.configure({ timeScale: TS, profile: { factor: 1, drift: { fromJob: 8, overJobs: 0, toFactor: 0.2 } } });
    const schedule = new LearnedSchedule({ timeScale: TS });
    const client = clients.make({ schedule });
    const fixed = clients.make({ schedule: new FixedSchedule(1_000 * TS) });
    for (let r = 0; r < 2; r += 1) await round(client, `before ${r}`, 4);
    const before = schedule.plan('DALLE').firstPollMs;
    expect(before).toBeGreaterThan(3_500);
    for (let r = 0; r < 3; r += 1) await round(client, `after ${r}`, 4);
    // The first poll moved to the new, shorter runs (1-3 s), and the next rounds see them promptly.
    expect(schedule.plan('DALLE').firstPollMs).toBeLessThan(2_500);
    const mine: SimJob[] = [];
    const theirs: SimJob[] = [];
    for (let r = 0; r < 3; r += 1) {
      const [a, b] = await Promise.all([round(client, `then ${r}`, 4), round(fixed, `fixed ${r}`, 4)]);
      mine.push(...a!);
      theirs.push(...b!);
    }
    expect(meanDelay(mine, TS)).toBeLessThanOrEqual(meanDelay(theirs, TS) + 300);
  });
});
