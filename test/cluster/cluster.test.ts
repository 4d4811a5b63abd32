/**
 * Cluster mode end to end: one real Redis, the simulator, and two real server processes sharing them.
 */
import { afterEach, expect, it, vi } from 'vitest';
import { gql } from '../support/stack.js';
import { until, within, type ServerProcess } from '../durability/server-process.js';
import { subscribe, type Subscriber } from '../durability/subscriber.js';
import { createVideo, readTask, restTask } from '../durability/tasks.js';
import { deploy, mostAtOnce, sse, type Deployment } from './instances.js';

let deployment: Deployment | undefined;
const subscribers: Subscriber[] = [];

afterEach(async () => {
  for (const subscriber of subscribers.splice(0)) await subscriber.dispose();
  await deployment?.close();
  deployment = undefined;
});

/** The statuses in order, each once however many updates it had. */
function states(statuses: Array<string | undefined>): Array<string | undefined> {
  return statuses.filter((status, i) => status !== statuses[i - 1]);
}

/** Which instance's worker runs the task: the one that logged taking it. */
function runner(instances: ServerProcess[], id: string): ServerProcess | undefined {
  return instances.find((instance) =>
    instance.logs.some((line) => line.msg === 'running generation' && line.taskId === id),
  );
}

it('a task created on A is seen on B, over graphql-ws and SSE, through every state to COMPLETED', async () => {
  deployment = await deploy({ BING_MAX_IN_FLIGHT: '1' });
  const [a, b] = [await deployment.instance(), await deployment.instance()];
  // The only slot is taken, so the second video waits QUEUED and goes through every state.
  await createVideo(a.url, 'a first video [sim:ms=5000]');
  const id = await createVideo(a.url, 'a lighthouse [sim:ms=1000]');
  expect((await readTask(b.url, id)).status).toBe('QUEUED');

  const ws = subscribe(b.url, 'videoTaskUpdated', id);
  subscribers.push(ws);
  const overSse = sse(b.url, 'taskUpdated', id);
  const end = await within(ws.ended, 20_000, 'the subscription on B did not complete');
  expect(end.completed).toBe(true);
  // PROCESSING comes twice when the subscription's fields do not show what changed (the saved Bing id).
  expect(states(ws.updates.map((u) => u.status))).toEqual(['QUEUED', 'PROCESSING', 'COMPLETED']);
  const sseStatuses = (await overSse).map((event) => event.data?.taskUpdated?.status);
  expect(states(sseStatuses)).toEqual(['QUEUED', 'PROCESSING', 'COMPLETED']);
  expect(ws.updates.at(-1)?.video).toContain('pid=videocreator');

  const onA = await readTask(a.url, id);
  expect(onA).toMatchObject({ status: 'COMPLETED', video: ws.updates.at(-1)?.video });
  expect((await restTask(b.url, id)).data).toMatchObject({ id, status: 'completed' });
});

it('SIGKILL of the instance polling a video: the other completes it from the saved Bing id, with one submit', async () => {
  deployment = await deploy();
  const instances = [await deployment.instance(), await deployment.instance()];
  const id = await createVideo(instances[0]!.url, 'a storm at sea [sim:ms=5000]');
  const polling = await until(() => runner(instances, id), 5_000, 'a worker taking the video');
  const sim = deployment.sim;
  await until(() => (sim.polls().length >= 2 ? true : undefined), 5_000, 'polls of the video');
  await polling.kill('SIGKILL');
  const killedAt = Date.now();
  const survivor = instances.find((instance) => instance !== polling)!;

  const watcher = subscribe(survivor.url, 'videoTaskUpdated', id);
  subscribers.push(watcher);
  const end = await within(watcher.ended, 25_000, 'the survivor did not complete the video');
  expect(end.completed).toBe(true);
  expect(watcher.updates.at(-1)?.status).toBe('COMPLETED');
  expect(sim.submits()).toHaveLength(1);
  const [job] = [...sim.jobs.values()];
  expect(sim.polls(job!.id).some((p) => p.at > killedAt)).toBe(true);
  expect(survivor.logs.some((line) => line.msg === 'resuming generation' && line.taskId === id)).toBe(true);
  expect((await readTask(survivor.url, id)).video).toContain(job!.id);
});

it('SIGTERM hands a running video straight to the other instance, without waiting for its lock', async () => {
  deployment = await deploy({ JOB_LOCK_DURATION: '60s' });
  const instances = [await deployment.instance(), await deployment.instance()];
  const id = await createVideo(instances[1]!.url, 'a glacier [sim:ms=3000]');
  const polling = await until(() => runner(instances, id), 5_000, 'a worker taking the video');
  await polling.kill('SIGTERM');
  const survivor = instances.find((instance) => instance !== polling)!;
  const watcher = subscribe(survivor.url, 'videoTaskUpdated', id);
  subscribers.push(watcher);
  // Far inside the 60 s lock: the job was handed back, not left to lapse.
  const end = await within(watcher.ended, 20_000, 'the handed-back video did not complete');
  expect(end.completed).toBe(true);
  expect(watcher.updates.at(-1)?.status).toBe('COMPLETED');
  expect(deployment.sim.submits()).toHaveLength(1);
});

it('the per-account in-flight limit holds across both instances under a burst', async () => {
  deployment = await deploy({
    BING_MAX_IN_FLIGHT: '2',
    QUEUE_MAX: '100',
    MAX_IN_FLIGHT_PER_KEY: '100',
    RATE_LIMIT_PER_MINUTE: '1000',
  });
  const [a, b] = [await deployment.instance(), await deployment.instance()];
  const mutation =
    'mutation ($q: String!) { createImage(input: { query: $q }) { __typename ... on ImageGeneration { images { url } } ... on Error { code message } } }';
  const results = await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      gql<{ createImage: { __typename: string; images?: unknown[] } }>(i % 2 ? a.url : b.url, mutation, {
        q: `burst ${i} [sim:ms=300]`,
      }),
    ),
  );
  expect(results.map((r) => r.data?.createImage.__typename)).toEqual(
    Array.from({ length: 12 }, () => 'ImageGeneration'),
  );
  expect(deployment.sim.submits()).toHaveLength(12);
  expect(mostAtOnce(deployment.sim)).toBe(2);
  // Every generation was run by one of the two workers, whichever instance it was asked of.
  const ran = [a, b].flatMap((instance) => instance.logs.filter((line) => line.msg === 'running generation'));
  expect(ran).toHaveLength(12);
});

it('per-key privacy and the per-key in-flight limit hold across instances', async () => {
  deployment = await deploy({ API_KEYS: 'key-one-0123456789,key-two-0123456789', MAX_IN_FLIGHT_PER_KEY: '2' });
  const [a, b] = [await deployment.instance(), await deployment.instance()];
  const one = { authorization: 'Bearer key-one-0123456789' };
  const two = { authorization: 'Bearer key-two-0123456789' };
  const create =
    'mutation ($q: String!) { createVideo(input: { query: $q }) { __typename ... on VideoTask { id } ... on Error { code } } }';
  const first = await gql<{ createVideo: { id?: string } }>(a.url, create, { q: 'mine [sim:ms=3000]' }, one);
  const id = first.data!.createVideo.id!;
  await gql(a.url, create, { q: 'mine too [sim:ms=3000]' }, one);
  const third = await gql<{ createVideo: { __typename: string; code?: string } }>(
    b.url,
    create,
    { q: 'one too many' },
    one,
  );
  expect(third.data?.createVideo).toEqual({ __typename: 'RateLimitedError', code: 'RATE_LIMITED' });
  const others = await gql<{ createVideo: { __typename: string } }>(b.url, create, { q: 'theirs [sim:ms=100]' }, two);
  expect(others.data?.createVideo.__typename).toBe('VideoTask');

  const read = '{ task(id: "ID") { id } tasks(first: 10) { edges { node { id } } } }'.replace('ID', id);
  const mine = await gql<{ task: { id: string } | null; tasks: { edges: Array<{ node: { id: string } }> } }>(
    b.url,
    read,
    undefined,
    one,
  );
  expect(mine.data?.task?.id).toBe(id);
  expect(mine.data?.tasks.edges.map((e) => e.node.id)).toContain(id);
  const theirs = await gql<{ task: { id: string } | null; tasks: { edges: Array<{ node: { id: string } }> } }>(
    b.url,
    read,
    undefined,
    two,
  );
  expect(theirs.data?.task).toBeNull();
  expect(theirs.data?.tasks.edges.map((e) => e.node.id)).not.toContain(id);
  const rest = await fetch(`${b.url}/task/${id}`, { headers: two });
  expect(rest.status).toBe(404);
  const events = await sse(b.url, 'videoTaskUpdated', id, two);
  expect(events[0]?.errors ?? events[0]?.data?.videoTaskUpdated).toBeTruthy();
  expect(events.some((event) => event.data?.videoTaskUpdated?.id === id)).toBe(false);
});

it('a Redis restart in the middle of a run loses no acknowledged task; new work fails fast meanwhile, then resumes', async () => {
  deployment = await deploy();
  const [a, b] = [await deployment.instance(), await deployment.instance()];
  const ids: string[] = [];
  for (let i = 0; i < 6; i++)
    ids.push(await createVideo(i % 2 ? a.url : b.url, `before the outage ${i} [sim:ms=${2500 + i * 100}]`));
  expect((await fetch(`${a.url}/readyz`)).status).toBe(200);

  await deployment.redis.kill();
  const refused = await fetch(`${b.url}/create/video`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'during the outage' }),
    signal: AbortSignal.timeout(5_000),
  });
  expect(refused.status).toBe(503);
  expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('Redis');
  const ready = await fetch(`${a.url}/readyz`);
  expect(ready.status).toBe(503);
  expect(await ready.json()).toMatchObject({ ready: false, redis: 'unreachable' });
  await deployment.redis.start();

  await until(
    async () => ((await fetch(`${b.url}/readyz`)).status === 200 ? true : undefined),
    10_000,
    'B ready again',
  );
  for (const id of ids) {
    const done = await until(
      async () => {
        const task = await readTask(a.url, id).catch(() => undefined);
        return task && (task.status === 'COMPLETED' || task.status === 'FAILED') ? task : undefined;
      },
      20_000,
      `task ${id} to finish`,
    );
    expect(done.status).toBe('COMPLETED');
  }
  expect(deployment.sim.submits()).toHaveLength(6);
  expect(await createVideo(b.url, 'after the outage [sim:ms=100]')).toBeTruthy();
});

it('the per-key subscription limit counts the subscriptions of both instances', async () => {
  deployment = await deploy({ MAX_SUBSCRIPTIONS_PER_KEY: '1' });
  const [a, b] = [await deployment.instance(), await deployment.instance()];
  const id = await createVideo(a.url, 'a long watch [sim:ms=4000]');
  const ws = subscribe(a.url, 'videoTaskUpdated', id);
  subscribers.push(ws);
  await vi.waitFor(() => expect(ws.updates.length).toBeGreaterThan(0), { timeout: 10_000 });

  const refused = await sse(b.url, 'videoTaskUpdated', id);
  expect(refused[0]?.errors).toEqual([
    expect.objectContaining({ extensions: expect.objectContaining({ code: 'RATE_LIMITED' }) }),
  ]);
  expect((await within(ws.ended, 20_000, 'the subscription on A did not complete')).completed).toBe(true);
  // A's subscription ended with the video, and released its lease: B may subscribe now.
  await vi.waitFor(
    async () => {
      const events = await sse(b.url, 'videoTaskUpdated', id);
      expect(events.at(-1)?.data?.videoTaskUpdated).toMatchObject({ id, status: 'COMPLETED' });
    },
    { timeout: 10_000, interval: 200 },
  );
});

const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a3c5e1b10000000049454e44ae426082',
  'hex',
);

it('image-to-video: the job carries the source image to whichever instance runs it, which uploads it once', async () => {
  deployment = await deploy({ BING_MAX_IN_FLIGHT: '1' });
  const sim = deployment.sim;
  sim.configureVideo({ upload: 'ok' });
  const [a, b] = [await deployment.instance(), await deployment.instance()];
  // The slot is taken, so the image-to-video waits QUEUED for either instance's worker.
  await createVideo(a.url, 'a first video [sim:ms=1500]');
  const create =
    'mutation ($input: CreateVideoInput!) { createVideo(input: $input) { __typename ... on VideoTask { id status } ... on Error { code message } } }';
  const inline = await gql<{ createVideo: { __typename: string; id?: string } }>(a.url, create, {
    input: { query: 'make it move [sim:ms=500]', image: { base64: PNG.toString('base64') } },
  });
  const byUrl = await gql<{ createVideo: { __typename: string; id?: string } }>(b.url, create, {
    input: { query: 'and this one [sim:ms=500]', image: { url: `${sim.url}/th/id/OIG1.still?pid=ImgGn` } },
  });
  expect([inline.data?.createVideo.__typename, byUrl.data?.createVideo.__typename]).toEqual(['VideoTask', 'VideoTask']);
  for (const id of [inline.data!.createVideo.id!, byUrl.data!.createVideo.id!]) {
    await vi.waitFor(async () => expect((await readTask(b.url, id)).status).toBe('COMPLETED'), {
      timeout: 20_000,
      interval: 200,
    });
  }
  for (const prompt of ['make it move', 'and this one']) {
    const jobs = [...sim.jobs.values()].filter((job) => job.prompt.startsWith(prompt));
    expect(jobs).toHaveLength(1);
    const image = sim.video.extras.get(jobs[0]!.id)?.image;
    expect(sim.video.uploads.get(image ?? 'none')).toMatchObject({ type: 'image/png' });
  }
  expect(sim.video.uploads.size).toBe(2);
});
