/**
 * What a start does with the tasks a previous run left unfinished: those it cannot resume end FAILED with
 * their reason at no cost to Bing; those it resumes keep the deadline they were given at submit.
 */
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { accountId } from '../../src/bing/accounts.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { SqliteTaskStore } from '../../src/tasks/sqlite-store.js';
import { startStack, TEST_COOKIE, type Stack } from '../support/stack.js';
import { savedTask } from './saved-task.js';
import { tempDir, until } from './server-process.js';
import { activeTasks, createVideo, readTask } from './tasks.js';

let stack: Stack | undefined;
let sim: Simulator | undefined;
let data: ReturnType<typeof tempDir> | undefined;

afterEach(async () => {
  await stack?.close();
  await sim?.close();
  data?.remove();
  stack = sim = data = undefined;
});

it('fails what cannot be resumed, without a submit or a poll', async () => {
  data = tempDir('durable-downtime-');
  const store = SqliteTaskStore.open(path.join(data.dir, 'tasks.sqlite'));
  const account = accountId(TEST_COOKIE);
  await store.insert(
    savedTask({
      id: 'past-deadline',
      bingRequestId: '1-0123456789abcdef0123456789abcdef',
      account,
      deadlineAt: Date.now() - 1_000,
    }),
  );
  await store.insert(savedTask({ id: 'never-accepted' }));
  await store.insert(savedTask({ id: 'queued', kind: 'IMAGE', model: 'DALLE', aspect: 'SQUARE', status: 'QUEUED' }));
  await store.insert(
    savedTask({ id: 'other-account', bingRequestId: '1-fedcba9876543210fedcba9876543210', account: 'not-configured' }),
  );
  await store.close();

  stack = await startStack({ env: { TASK_STORE: 'sqlite', DATA_DIR: data.dir } });
  const { url, sim } = stack;

  const timedOut = await readTask(url, 'past-deadline');
  expect(timedOut).toMatchObject({ status: 'FAILED', errorCode: 'TIMEOUT' });
  expect(timedOut.error).toMatch(/deadline/);
  expect(timedOut.completedAt).not.toBeNull();

  for (const id of ['never-accepted', 'queued']) {
    const task = await readTask(url, id);
    expect(task, id).toMatchObject({ status: 'FAILED', errorCode: 'UPSTREAM' });
    expect(task.error, id).toMatch(/submit it again/);
  }
  expect(await readTask(url, 'other-account')).toMatchObject({ status: 'FAILED', errorCode: 'AUTH' });
  expect(await activeTasks(url)).toBe(0);

  // A resumed wait would have polled by now (the schedule's longest interval is 100 ms at this scale).
  await new Promise((resolve) => setTimeout(resolve, 400));
  expect(sim.submits()).toHaveLength(0);
  expect(sim.polls()).toHaveLength(0);
});

it('keeps the original deadline for a resumed wait, not a fresh one', async () => {
  data = tempDir('durable-downtime-');
  sim = await startSimulator({ timeScale: 0.01 });
  const env = { TASK_STORE: 'sqlite', DATA_DIR: data.dir, VIDEO_DEADLINE: '2500ms' };
  stack = await startStack({ env, simulator: sim });
  const id = await createVideo(stack.url, 'an endless tide [sim:never]');
  await until(() => (sim!.polls().length > 0 ? true : undefined), 5_000, 'a poll');
  const submittedAt = [...sim.jobs.values()][0]!.submittedAt;
  await new Promise((resolve) => setTimeout(resolve, submittedAt + 1_200 - Date.now()));
  await stack.close();

  stack = await startStack({ env, simulator: sim });
  const restartedAt = Date.now();
  const task = await until(
    async () => {
      const seen = await readTask(stack!.url, id);
      return seen.status === 'PROCESSING' ? undefined : seen;
    },
    5_000,
    'the resumed video to time out',
  );
  expect(task).toMatchObject({ status: 'FAILED', errorCode: 'TIMEOUT' });
  // 2.5 s from the submit (1.3 s after the restart); a fresh deadline would have run 2.5 s from the restart.
  const failedAt = Date.parse(task.completedAt!);
  expect(failedAt - Date.parse(task.createdAt)).toBeGreaterThanOrEqual(2_500);
  expect(failedAt).toBeLessThan(restartedAt + 1_900);
  expect(sim.submits()).toHaveLength(1);
  expect(sim.polls().some((poll) => poll.at > restartedAt)).toBe(true);
});
