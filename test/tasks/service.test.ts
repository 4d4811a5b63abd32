/** The service in process: a fake generation source, the memory store, the in-process events. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalTaskEvents, type TaskWatch } from '../../src/tasks/events.js';
import type { Submitted } from '../../src/tasks/generations.js';
import { MemoryTaskStore } from '../../src/tasks/memory-store.js';
import { TaskService, type TaskServiceOptions } from '../../src/tasks/service.js';
import type { Task } from '../../src/tasks/task.js';
import { FakeGenerations, refusal, silent } from './support/fake-generations.js';

const OPTIONS: TaskServiceOptions = {
  imageDeadlineMs: 60_000,
  videoDeadlineMs: 60_000,
  videoStandardDeadlineMs: 600_000,
  videoImage: { maxBytes: 1024, fetch: 'bing', origin: 'http://127.0.0.1:9', fetchTimeoutMs: 1_000 },
  fetchImage: async () => ({ outcome: 'unreachable' }),
  maxPromptLength: 100,
  ttlMs: 60_000,
  maxTasks: 1_000,
  sweepIntervalMs: 60_000,
  limits: { perMinute: 1_000, inFlightPerKey: 1_000, subscriptionsPerKey: 2, inFlight: 1, queueMax: 1 },
};
const ANYONE = { owner: null };
const ALICE = { owner: 'alice', client: 'alice' };

let generations: FakeGenerations;
let store: MemoryTaskStore;
let service: TaskService;

function open(options: Partial<TaskServiceOptions> = {}) {
  generations = new FakeGenerations();
  store = new MemoryTaskStore();
  service = new TaskService(generations, store, new LocalTaskEvents(), { ...OPTIONS, ...options }, silent);
}

beforeEach(async () => {
  open();
  await service.start();
});
afterEach(() => service.stop());

async function collect(watch: TaskWatch): Promise<Task['status'][]> {
  const seen: Task['status'][] = [];
  for await (const task of watch) seen.push(task.status);
  return seen;
}

describe('an image', () => {
  it('is recorded, submitted once, and completed with its images', async () => {
    const created = service.createImage({ query: ' a\tfox ', model: 'gpt4o' }, ALICE);
    const submit = await generations.next<Submitted>('submitImage');
    expect(submit.input).toEqual({ prompt: 'a fox', model: 'GPT4O', aspect: 'SQUARE' });
    const { requestId } = generations.accept(submit);
    const wait = await generations.next<{ images: string[]; revisedPrompt: string | null }>('waitForImage');
    expect(wait.resume).toMatchObject({ requestId, account: 'acct' });
    wait.settle.resolve({ images: ['https://example.com/1.jpg'], revisedPrompt: 'a red fox' });

    const task = await created;
    expect(task).toMatchObject({
      kind: 'IMAGE',
      status: 'COMPLETED',
      images: ['https://example.com/1.jpg'],
      owner: 'alice',
    });
    expect(task.completedAt).not.toBeNull();
    expect(await service.getTask(task.id, ALICE)).toMatchObject({ status: 'COMPLETED', bingRequestId: requestId });
    expect(await service.getTask(task.id, { owner: 'bob' })).toBeUndefined();
    expect(generations.calls.filter((c) => c.kind === 'submitImage')).toHaveLength(1);
  });

  it('fails with the code the source gave, and records it', async () => {
    const created = service.createImage({ query: 'a cat' }, ANYONE);
    (await generations.next('submitImage')).settle.reject(refusal());
    await expect(created).rejects.toMatchObject({ name: 'ServiceError', code: 'PROMPT_REJECTED' });
    const [task] = (await service.listTasks({ first: 5 }, ANYONE)).tasks;
    expect(task).toMatchObject({ status: 'FAILED', errorCode: 'PROMPT_REJECTED', error: 'Bing refused the prompt.' });
  });

  it('turns an unexpected error into INTERNAL without its message', async () => {
    const created = service.createImage({ query: 'a cat' }, ANYONE);
    (await generations.next('submitImage')).settle.reject(new Error('secret detail'));
    await expect(created).rejects.toMatchObject({ code: 'INTERNAL' });
    await expect(created).rejects.not.toThrow(/secret/);
  });

  it('refuses bad input before anything is recorded', async () => {
    await expect(service.createImage({ query: '' }, ANYONE)).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
      field: 'query',
    });
    await expect(service.createImage({ query: 'x', model: 'nope' }, ANYONE)).rejects.toMatchObject({ field: 'model' });
    expect(await store.countWithStatus(['QUEUED', 'PROCESSING', 'COMPLETED', 'FAILED'])).toBe(0);
    expect(generations.calls).toEqual([]);
  });
});

describe('a video', () => {
  it('answers once Bing accepted it and completes in the background', async () => {
    const created = service.createVideo({ query: 'waves', aspect: 5 }, ANYONE);
    generations.accept(await generations.next<Submitted>('submitVideo'));
    const task = await created;
    expect(task).toMatchObject({ kind: 'VIDEO', status: 'PROCESSING', aspect: 'LANDSCAPE', bingRequestId: 'req-1' });
    const statuses = collect(await service.watch(task.id, ANYONE, 'VIDEO'));
    (await generations.next<{ url: string }>('waitForVideo')).settle.resolve({ url: 'https://example.com/v.mp4' });
    expect(await statuses).toEqual(['PROCESSING', 'COMPLETED']);
    expect(await service.getTask(task.id, ANYONE)).toMatchObject({
      status: 'COMPLETED',
      video: 'https://example.com/v.mp4',
    });
  });

  it('waits QUEUED for a slot, then runs', async () => {
    const first = service.createVideo({ query: 'one' }, ANYONE);
    generations.accept(await generations.next<Submitted>('submitVideo'));
    await first;
    const queued = await service.createVideo({ query: 'two' }, ANYONE);
    expect(queued.status).toBe('QUEUED');
    await expect(service.createVideo({ query: 'three' }, ANYONE)).rejects.toMatchObject({ code: 'RATE_LIMITED' });

    (await generations.next<{ url: string }>('waitForVideo')).settle.resolve({ url: 'https://example.com/1.mp4' });
    generations.accept(await generations.next<Submitted>('submitVideo'));
    await expect.poll(async () => (await service.getTask(queued.id, ANYONE))?.status).toBe('PROCESSING');
  });
});

describe('watching', () => {
  it('is NOT_FOUND for an unknown task, or one of another kind', async () => {
    await expect(service.watch('nope', ANYONE)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const created = service.createImage({ query: 'a' }, ANYONE);
    generations.accept(await generations.next<Submitted>('submitImage'));
    (await generations.next<{ images: string[]; revisedPrompt: null }>('waitForImage')).settle.resolve({
      images: [],
      revisedPrompt: null,
    });
    const task = await created;
    await expect(service.watch(task.id, ANYONE, 'VIDEO')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await collect(await service.watch(task.id, ANYONE))).toEqual(['COMPLETED']);
  });

  it('counts open subscriptions per caller and frees them when they end', async () => {
    const created = service.createVideo({ query: 'waves' }, ALICE);
    generations.accept(await generations.next<Submitted>('submitVideo'));
    const task = await created;
    const a = await service.watch(task.id, ALICE);
    const b = await service.watch(task.id, ALICE);
    await a.next();
    await b.next();
    await expect(service.watch(task.id, ALICE)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await a.return();
    const c = await service.watch(task.id, ALICE);
    await c.next();
    await b.return();
    await c.return();
  });

  it('lets go at once of a watch whose consumer stops while it waits for a change', async () => {
    const created = service.createVideo({ query: 'waves' }, ALICE);
    generations.accept(await generations.next<Submitted>('submitVideo'));
    const task = await created;
    const watches = [await service.watch(task.id, ALICE), await service.watch(task.id, ALICE)];
    for (const watch of watches) expect((await watch.next()).value).toMatchObject({ status: 'PROCESSING' });
    expect(service.load().subscriptions).toBe(2);
    // Each waits for the task's next change, which does not come.
    const pending = watches.map((watch) => watch.next());
    for (const watch of watches) expect(await watch.return()).toEqual({ done: true, value: undefined });
    expect(service.load().subscriptions).toBe(0);
    expect(await Promise.all(pending)).toEqual([
      { done: true, value: undefined },
      { done: true, value: undefined },
    ]);
    const again = [await service.watch(task.id, ALICE), await service.watch(task.id, ALICE)];
    expect(service.load().subscriptions).toBe(2);
    // A watch returned before it was ever read lets go as well.
    for (const watch of again) await watch.return();
    expect(service.load().subscriptions).toBe(0);
    expect((await store.get(task.id))?.updatedAt).toBe(task.updatedAt);
  });
});

describe('stop and start', () => {
  it('leaves a running generation PROCESSING, and the next start resumes it without a submit', async () => {
    const created = service.createVideo({ query: 'waves' }, ANYONE);
    generations.accept(await generations.next<Submitted>('submitVideo'));
    const task = await created;
    await generations.next('waitForVideo');
    await service.stop();
    expect(await store.get(task.id)).toMatchObject({ status: 'PROCESSING', bingRequestId: 'req-1' });

    const again = new FakeGenerations();
    const restarted = new TaskService(again, store, new LocalTaskEvents(), OPTIONS, silent);
    await restarted.start();
    const wait = await again.next<{ url: string }>('waitForVideo');
    expect(wait.resume).toMatchObject({ requestId: 'req-1', deadlineAt: task.deadlineAt });
    wait.settle.resolve({ url: 'https://example.com/v.mp4' });
    await expect.poll(async () => (await store.get(task.id))?.status).toBe('COMPLETED');
    expect(again.calls.map((c) => c.kind)).toEqual(['waitForVideo']);
    await restarted.stop();
  });

  it('fails at start what never reached Bing, and refuses new work while stopping', async () => {
    const created = service.createImage({ query: 'a' }, ANYONE);
    await generations.next('submitImage');
    await service.stop();
    await expect(created).rejects.toMatchObject({ code: 'UPSTREAM' });
    await expect(service.createImage({ query: 'b' }, ANYONE)).rejects.toMatchObject({
      code: 'UPSTREAM',
      retryAfterSeconds: 5,
    });

    const restarted = new TaskService(new FakeGenerations(), store, new LocalTaskEvents(), OPTIONS, silent);
    await restarted.start();
    const [task] = (await store.page({ first: 5 })).tasks;
    expect(task).toMatchObject({ status: 'FAILED', errorCode: 'UPSTREAM' });
    await restarted.stop();
  });
});

describe('retention', () => {
  it('sweeps finished tasks past their time to live', async () => {
    const created = service.createImage({ query: 'a' }, ANYONE);
    (await generations.next('submitImage')).settle.reject(refusal());
    await expect(created).rejects.toThrow();
    expect(await service.sweep()).toEqual({ expired: 0, capped: 0 });
    expect(await service.sweep(Date.now() + OPTIONS.ttlMs + 1)).toEqual({ expired: 1, capped: 0 });
  });
});

describe('health', () => {
  it('counts the active tasks', async () => {
    expect(await service.health()).toEqual({
      cookieSet: true,
      session: 'active',
      activeTasks: 0,
      fastCreations: [{ account: 'fake-account', fastCreationsLeft: null }],
      boosts: [{ account: 'fake-account', known: false, remaining: null }],
      // A source without an account pool: no account in any state.
      accountStates: { active: 0, expired: 0, cooling: 0, disabled: 0 },
      accountExpirations: 0,
    });
    const created = service.createVideo({ query: 'waves' }, ANYONE);
    generations.accept(await generations.next<Submitted>('submitVideo'));
    await created;
    expect((await service.health()).activeTasks).toBe(1);
  });
});
