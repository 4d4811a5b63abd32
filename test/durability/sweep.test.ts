/**
 * Retention on a real server over SQLite: finished tasks go after TASK_TTL, the store keeps at most
 * TASK_MAX by dropping the oldest finished first, and a task still processing is never swept.
 */
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { SqliteTaskStore } from '../../src/tasks/sqlite-store.js';
import { gql, startStack, type Stack } from '../support/stack.js';
import { savedTask } from './saved-task.js';
import { tempDir, until } from './server-process.js';
import { createVideo } from './tasks.js';

const DAY_MS = 86_400_000;

let stack: Stack | undefined;
let data: ReturnType<typeof tempDir> | undefined;

afterEach(async () => {
  await stack?.close();
  data?.remove();
  stack = data = undefined;
});

async function start(env: Record<string, string>): Promise<Stack> {
  data = tempDir('durable-sweep-');
  // A video's first poll after 110 ms instead of 610 ms, then one every 50 to 100 ms.
  const schedule = { TIME_SCALE: '0.001', POLL_INTERVAL: '50s', POLL_MAX_INTERVAL: '100s' };
  stack = await startStack({ env: { TASK_STORE: 'sqlite', DATA_DIR: data.dir, ...schedule, ...env } });
  return stack;
}

async function status(url: string, id: string): Promise<string | null> {
  const result = await gql<{ task: { status: string } | null }>(url, 'query ($id: ID!) { task(id: $id) { status } }', {
    id,
  });
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data?.task?.status ?? null;
}

async function finishedVideo(url: string, prompt: string): Promise<string> {
  const id = await createVideo(url, `${prompt} [sim:ms=30]`);
  await until(async () => ((await status(url, id)) === 'COMPLETED' ? true : undefined), 5_000, `${prompt} to complete`);
  return id;
}

/** A video refused at submit: stored as FAILED. Its id is read back from the task list. */
async function failedVideo(url: string): Promise<string> {
  const refused = await gql(url, 'mutation { createVideo(input: { query: "refused [sim:blocked]" }) { __typename } }');
  expect(refused.data).toEqual({ createVideo: { __typename: 'PromptRejectedError' } });
  const failed = await gql<{ tasks: { edges: Array<{ node: { id: string } }> } }>(
    url,
    '{ tasks(first: 1, status: FAILED) { edges { node { id } } } }',
  );
  const id = failed.data?.tasks.edges[0]?.node.id;
  if (!id) throw new Error(`no failed task: ${JSON.stringify(failed)}`);
  return id;
}

it('deletes finished tasks past TASK_TTL and keeps fresh and processing ones', async () => {
  const { url, app } = await start({ TASK_TTL: '7d' });
  const processing = await createVideo(url, 'a slow river [sim:never]');
  const completed = await finishedVideo(url, 'a fast river');
  const failed = await failedVideo(url);

  expect(await app.service.sweep()).toEqual({ expired: 0, capped: 0 });
  expect(await status(url, completed)).toBe('COMPLETED');
  expect(await status(url, failed)).toBe('FAILED');

  // Eight days on: both finished tasks are past the week; the processing one is older still and stays.
  expect(await app.service.sweep(Date.now() + 8 * DAY_MS)).toEqual({ expired: 2, capped: 0 });
  expect(await status(url, completed)).toBeNull();
  expect(await status(url, failed)).toBeNull();
  expect(await status(url, processing)).toBe('PROCESSING');
  expect(stack!.logs.some((line) => JSON.parse(line).msg === 'swept finished tasks')).toBe(true);
});

it('sweeps on its own every TASK_SWEEP_INTERVAL', async () => {
  const { url } = await start({ TASK_TTL: '1s', TASK_SWEEP_INTERVAL: '100ms' });
  const processing = await createVideo(url, 'a glacier [sim:never]');
  const old = await finishedVideo(url, 'an old photo');

  await until(
    async () => ((await status(url, old)) === null ? true : undefined),
    5_000,
    'the expired task to be swept',
  );
  const fresh = await finishedVideo(url, 'a new photo');
  expect(await status(url, fresh)).toBe('COMPLETED');
  // The processing task is past the TTL too, and never swept.
  expect(await status(url, processing)).toBe('PROCESSING');
});

it('keeps at most TASK_MAX tasks, dropping the oldest finished first and never a processing one', async () => {
  const { url, app } = await start({ TASK_MAX: '3' });
  const p1 = await createVideo(url, 'first wait [sim:never]');
  const a = await finishedVideo(url, 'first done');
  const b = await finishedVideo(url, 'second done');
  const c = await finishedVideo(url, 'third done');

  expect(await app.service.sweep()).toEqual({ expired: 0, capped: 1 });
  expect(await status(url, a)).toBeNull();
  expect(await status(url, b)).toBe('COMPLETED');
  expect(await status(url, c)).toBe('COMPLETED');

  const p2 = await createVideo(url, 'second wait [sim:never]');
  const p3 = await createVideo(url, 'third wait [sim:never]');
  expect(await app.service.sweep()).toEqual({ expired: 0, capped: 2 });
  expect(await status(url, b)).toBeNull();
  expect(await status(url, c)).toBeNull();

  // Over the cap with nothing finished: nothing can go.
  const p4 = await createVideo(url, 'fourth wait [sim:never]');
  expect(await app.service.sweep()).toEqual({ expired: 0, capped: 0 });
  for (const id of [p1, p2, p3, p4]) expect(await status(url, id)).toBe('PROCESSING');
});

it('logs a sweep the store fails, keeps serving, and sweeps again on the next interval', async () => {
  data = tempDir('durable-sweep-');
  const store = SqliteTaskStore.open(path.join(data.dir, 'tasks.sqlite'));
  const old = Date.now() - DAY_MS;
  await store.insert(
    savedTask({ id: 'old', status: 'COMPLETED', createdAt: old, updatedAt: old, completedAt: old, deadlineAt: old }),
  );
  // The store refuses sweeps as SQLite does when another process holds the write lock too long.
  let locked = true;
  const deleteFinishedBefore = store.deleteFinishedBefore.bind(store);
  store.deleteFinishedBefore = (before) => {
    if (locked) throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    return deleteFinishedBefore(before);
  };
  stack = await startStack({ env: { TASK_TTL: '1h', TASK_SWEEP_INTERVAL: '50ms' }, app: { store } });
  const { url } = stack;

  await until(
    () =>
      stack!.logs.filter((line) => line.includes('sweeping finished tasks failed')).length >= 2 ? true : undefined,
    3_000,
    'failed sweeps',
  );
  expect(await status(url, 'old')).toBe('COMPLETED');
  locked = false;
  await until(async () => ((await status(url, 'old')) === null ? true : undefined), 3_000, 'a sweep after the lock');
});
