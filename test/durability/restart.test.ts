/**
 * A video survives a SIGKILL of the server: the next process on the same data directory resumes it from
 * its saved Bing id, without submitting again, and every view of the task shows the result.
 */
import { afterEach, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { gql } from '../support/stack.js';
import { killServers, serverEnv, spawnServer, tempDir, until, within } from './server-process.js';
import { subscribe, type Subscriber } from './subscriber.js';
import { activeTasks, readTask, restActiveTasks, restCreateVideo, restTask } from './tasks.js';

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

it('resumes a video after SIGKILL: one submit, polls from both processes, every view agrees', async () => {
  sim = await startSimulator({ timeScale: 0.01 });
  data = tempDir('durable-restart-');
  const env = serverEnv(sim.url, data.dir);

  const first = await spawnServer(env);
  const id = await restCreateVideo(first.url, 'a lighthouse in a storm [sim:ms=6000]');
  await until(() => (sim!.polls().length >= 2 ? true : undefined), 5_000, 'polls from the first server');
  const killed = await first.kill('SIGKILL');
  expect(killed.signal).toBe('SIGKILL');
  const killedAt = Date.now();

  const second = await spawnServer(env);
  subscriber = subscribe(second.url, 'videoTaskUpdated', id);
  const end = await within(subscriber.ended, 15_000, 'the resumed video did not complete');

  expect(end.completed).toBe(true);
  expect(subscriber.updates[0]?.status).toBe('PROCESSING');
  expect(subscriber.updates.at(-1)?.status).toBe('COMPLETED');

  const submits = sim.submits();
  expect(submits).toHaveLength(1);
  const [job] = [...sim.jobs.values()];
  expect(sim.jobs.size).toBe(1);
  const polls = sim.polls(job!.id);
  expect(polls.filter((p) => p.at < killedAt).length).toBeGreaterThan(0);
  expect(polls.filter((p) => p.at > killedAt).length).toBeGreaterThan(0);
  expect(second.logs.some((line) => line.msg === 'resuming generation' && line.taskId === id)).toBe(true);

  const task = await readTask(second.url, id);
  expect(task).toMatchObject({ id, kind: 'VIDEO', status: 'COMPLETED', error: null, errorCode: null });
  expect(task.video).toContain(job!.id);
  expect(task.video).toBe(subscriber.updates.at(-1)?.video);

  const listed = await gql<{ tasks: { edges: Array<{ node: { id: string; status: string } }> } }>(
    second.url,
    '{ tasks(first: 5, kind: VIDEO) { edges { node { id status } } } }',
  );
  expect(listed.data?.tasks.edges.map((e) => e.node)).toEqual([{ id, status: 'COMPLETED' }]);

  const rest = await restTask(second.url, id);
  expect(rest.status).toBe(200);
  expect(rest.data).toMatchObject({
    id,
    status: 'completed',
    video: task.video,
    error: null,
    createdAt: task.createdAt,
    completedAt: task.completedAt,
  });

  expect(await activeTasks(second.url)).toBe(0);
  expect(await restActiveTasks(second.url)).toBe(0);
});
