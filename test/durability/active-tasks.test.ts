/** `health.activeTasks` (GraphQL) and `GET /health`'s `activeTasks` count the tasks still running. */
import { afterEach, expect, it } from 'vitest';
import { gql, startStack, type Stack } from '../support/stack.js';
import { tempDir, until } from './server-process.js';
import { activeTasks, createVideo, readTask, restActiveTasks } from './tasks.js';

let stack: Stack | undefined;
let data: ReturnType<typeof tempDir> | undefined;

afterEach(async () => {
  await stack?.close();
  data?.remove();
  stack = data = undefined;
});

it('counts processing tasks, and stops counting them once they finish', async () => {
  data = tempDir('durable-active-');
  stack = await startStack({ env: { TASK_STORE: 'sqlite', DATA_DIR: data.dir } });
  const { url } = stack;
  const both = async () => [await activeTasks(url), await restActiveTasks(url)];
  expect(await both()).toEqual([0, 0]);

  await createVideo(url, 'a long wait [sim:never]');
  await createVideo(url, 'another long wait [sim:never]');
  const quick = await createVideo(url, 'a short wait [sim:ms=400]');
  expect(await both()).toEqual([3, 3]);

  await until(
    async () => ((await readTask(url, quick)).status === 'COMPLETED' ? true : undefined),
    5_000,
    'the short video',
  );
  expect(await both()).toEqual([2, 2]);

  const refused = await gql(url, 'mutation { createVideo(input: { query: "no [sim:blocked]" }) { __typename } }');
  expect(refused.data).toEqual({ createVideo: { __typename: 'PromptRejectedError' } });
  expect(await both()).toEqual([2, 2]);
});
