/**
 * A standard-mode video survives a SIGKILL of the server: the next process resumes it from its saved Bing
 * id, in standard mode (its poll path, its deadline), without submitting again.
 */
import { afterEach, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { killServers, serverEnv, spawnServer, tempDir, until, within } from './server-process.js';
import { subscribe, type Subscriber } from './subscriber.js';
import { restCreateVideo, restTask } from './tasks.js';

let sim: Simulator | undefined;
let data: ReturnType<typeof tempDir> | undefined;
let subscriber: Subscriber | undefined;

afterEach(async () => {
  await subscriber?.dispose();
  await killServers();
  await sim?.close();
  data?.remove();
  subscriber = sim = data = undefined;
});

it('resumes a standard-mode video after SIGKILL: one submit, standard polls from both processes, the standard deadline', async () => {
  sim = await startSimulator({ timeScale: 0.01 });
  // No fast creation left: a request that leaves the mode open goes standard, which the task must remember.
  sim.configureVideo({ fastCreations: 0 });
  data = tempDir('durable-standard-');
  // The run (6 s) is longer than the fast deadline (3 s): only the standard deadline lets it finish.
  const env = serverEnv(sim.url, data.dir, { VIDEO_DEADLINE: '3s', VIDEO_STANDARD_DEADLINE: '2h' });

  const first = await spawnServer(env);
  const id = await restCreateVideo(first.url, 'a glacier calving [sim:ms=6000]');
  const [job] = [...sim.jobs.values()];
  expect(job!.kind).toBe('VIDEO_STANDARD');
  expect((await restTask(first.url, id)).data).toMatchObject({ status: 'processing', mode: 'standard' });
  await until(() => (sim!.polls(job!.id).length >= 2 ? true : undefined), 8_000, 'polls from the first server');
  const killed = await first.kill('SIGKILL');
  expect(killed.signal).toBe('SIGKILL');
  const killedAt = Date.now();

  const second = await spawnServer(env);
  subscriber = subscribe(second.url, 'videoTaskUpdated', id);
  const end = await within(subscriber.ended, 20_000, 'the resumed standard video did not complete');
  expect(end.completed).toBe(true);
  expect(subscriber.updates.at(-1)?.status).toBe('COMPLETED');

  expect(sim.submits()).toHaveLength(1);
  expect(sim.jobs.size).toBe(1);
  const polls = sim.polls(job!.id);
  expect(polls.filter((p) => p.at < killedAt).length).toBeGreaterThan(0);
  expect(polls.filter((p) => p.at > killedAt).length).toBeGreaterThan(0);
  for (const poll of polls) {
    expect(poll.path).toBe(`/images/create/async/results/${job!.id}`);
    expect(poll.query.sm).toBe('0');
  }
  expect(second.logs.some((line) => line.msg === 'resuming generation' && line.taskId === id)).toBe(true);

  const rest = await restTask(second.url, id);
  expect(rest.data).toMatchObject({ id, status: 'completed', mode: 'standard', error: null });
  expect(rest.data?.video).toContain(job!.id);
});
