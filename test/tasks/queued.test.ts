/**
 * Queued generations in process: a fake Bing client and an in-memory queue that keeps each job's saved
 * data the way BullMQ does, so the worker's decisions (submit once, resume from the saved id, refuse to
 * resubmit after an unconfirmed submit, fail past the deadline, hand back at stop) are checked in milliseconds.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ServiceError } from '../../src/tasks/errors.js';
import { LocalTaskEvents } from '../../src/tasks/events.js';
import { MemoryTaskStore } from '../../src/tasks/memory-store.js';
import { QueuedGenerations } from '../../src/tasks/queued.js';
import { TaskRecord } from '../../src/tasks/record.js';
import type { Attempt, GenerationQueue, RunAttempt, Work } from '../../src/tasks/queue.js';
import type { Task } from '../../src/tasks/task.js';

interface SavedJob {
  work: Work;
  submitBegun: boolean;
  requestId: string | null;
  account: string | null;
}

/** Runs each job at once in process; `finished` and the saved job data are recorded for the assertions. */
class InlineQueue implements GenerationQueue {
  run: RunAttempt | undefined;
  readonly jobs = new Map<string, SavedJob>();
  readonly finishedIds: string[] = [];
  readonly runs: Array<Promise<void>> = [];
  slotFree = true;
  paused = false;
  stop$ = new AbortController();

  async admit() {
    return { slotFree: this.slotFree };
  }
  async enqueue(work: Work) {
    this.jobs.set(work.taskId, { work, submitBegun: false, requestId: null, account: null });
    if (!this.paused) this.runs.push(this.attempt(work.taskId));
  }
  attempt(taskId: string): Promise<void> {
    const job = this.jobs.get(taskId)!;
    const attempt: Attempt = {
      signal: this.stop$.signal,
      requestId: job.requestId,
      account: job.account,
      submitBegun: job.submitBegun,
      submitting: async () => {
        job.submitBegun = true;
      },
      submitted: async (requestId, account) => void Object.assign(job, { requestId, account }),
    };
    return this.run!(job.work, attempt);
  }
  async holdSubscription() {
    return () => undefined;
  }
  async has(taskId: string) {
    return this.jobs.has(taskId);
  }
  async withdraw(work: Work) {
    return this.paused && this.jobs.delete(work.taskId);
  }
  async finished(work: Work) {
    this.finishedIds.push(work.taskId);
  }
  async start(run: RunAttempt) {
    this.run = run;
  }
  async stop() {}
  async lead() {
    return true;
  }
}

/** A Bing client that accepts each submit with a new id and answers each wait when told to. */
function fakeClient() {
  const submits: string[] = [];
  const waits: string[] = [];
  const videoRequests: Array<{ prompt: string; imageBase64?: string }> = [];
  let release: (() => void) | undefined;
  let gate: Promise<void> = Promise.resolve();
  const client = {
    hold() {
      gate = new Promise<void>((resolve) => (release = resolve));
    },
    release: () => release?.(),
    submits,
    waits,
    videoRequests,
    /** The mode Bing takes videos in, when it says. */
    videoMode: undefined as 'FAST' | 'STANDARD' | undefined,
    async submitImage(request: { prompt: string }, watch: { onEvent?: (e: never) => void } = {}) {
      submits.push(request.prompt);
      const requestId = `1-${submits.length}`;
      watch.onEvent?.({ type: 'submitted', requestId, account: 'acct', at: Date.now() } as never);
      return { requestId, account: 'acct', submittedAt: Date.now() };
    },
    async submitVideo(request: { prompt: string; imageBase64?: string }, watch: { onEvent?: (e: never) => void } = {}) {
      videoRequests.push(request);
      const submitted = await client.submitImage(request, watch);
      return { ...submitted, ...(client.videoMode ? { mode: client.videoMode } : {}) };
    },
    async waitForImage(_request: unknown, resume: { requestId: string }, watch: { signal?: AbortSignal } = {}) {
      waits.push(resume.requestId);
      await Promise.race([
        gate,
        new Promise((_, reject) => watch.signal?.addEventListener('abort', () => reject(new Error('aborted')))),
      ]);
      return {
        requestId: resume.requestId,
        images: [`https://example.com/${resume.requestId}.jpg`],
        revisedPrompt: null,
        polls: 1,
        submittedAt: 0,
        completedAt: 0,
      };
    },
    async waitForVideo(_request: unknown, resume: { requestId: string }, watch: { signal?: AbortSignal } = {}) {
      waits.push(resume.requestId);
      await Promise.race([
        gate,
        new Promise((_, reject) => watch.signal?.addEventListener('abort', () => reject(new Error('aborted')))),
      ]);
      return {
        requestId: resume.requestId,
        url: `https://example.com/${resume.requestId}.mp4`,
        mode: 'FAST' as const,
        width: null,
        height: null,
        durationSeconds: null,
        polls: 1,
        submittedAt: 0,
        completedAt: 0,
      };
    },
  };
  return client;
}

function setup() {
  const store = new MemoryTaskStore();
  const events = new LocalTaskEvents();
  const queue = new InlineQueue();
  const client = fakeClient();
  const stopping = new AbortController();
  const record = new TaskRecord(store, events);
  const queued = new QueuedGenerations({
    generations: client,
    store,
    events,
    record,
    queue,
    log: pino({ level: 'silent' }),
    stopping: stopping.signal,
    graceMs: 20,
    videoStandardDeadlineMs: 3_600_000,
  });
  void queue.start(queued.run);
  return { store, queue, client, queued, stopping };
}

const caller = { owner: 'key-1' };
const image = { prompt: 'a fox', model: 'DALLE' as const, aspect: 'SQUARE' as const };
const video = { prompt: 'a river', aspect: 'LANDSCAPE' as const };

describe('queued generations', () => {
  it('submits once, saves the Bing id on the job and the task, and answers with the finished image', async () => {
    const { store, queue, client, queued } = setup();
    const task = await queued.createImage(image, caller, 60_000);
    expect(task).toMatchObject({
      status: 'COMPLETED',
      bingRequestId: '1-1',
      account: 'acct',
      images: ['https://example.com/1-1.jpg'],
      owner: 'key-1',
    });
    expect(client.submits).toEqual(['a fox']);
    expect(queue.jobs.get(task.id)).toMatchObject({ submitBegun: true, requestId: '1-1', account: 'acct' });
    expect(queue.finishedIds).toEqual([task.id]);
    expect(await store.get(task.id)).toEqual(task);
  });

  it('answers a video once Bing accepted it, and a QUEUED video at once when no slot is free', async () => {
    const { queue, client, queued } = setup();
    client.hold();
    const accepted = await queued.createVideo(video, caller, 60_000);
    expect(accepted).toMatchObject({ status: 'PROCESSING', bingRequestId: '1-1' });
    queue.slotFree = false;
    queue.paused = true;
    const waiting = await queued.createVideo(video, caller, 60_000);
    expect(waiting.status).toBe('QUEUED');
    client.release();
  });

  it('hands the source image of an image-to-video to the submit, from the job', async () => {
    const { queue, client, queued } = setup();
    const task = await queued.createVideo(video, caller, 60_000, async () => ({
      base64: 'iVBORw0KGgo=',
      type: 'image/png',
      bytes: 8,
    }));
    expect(client.videoRequests).toEqual([expect.objectContaining({ prompt: 'a river', imageBase64: 'iVBORw0KGgo=' })]);
    expect(queue.jobs.get(task.id)?.work.imageBase64).toBe('iVBORw0KGgo=');
  });

  it('refuses an image-to-video whose image fails its check, and frees what admission held', async () => {
    const { store, queue, client, queued } = setup();
    const bad = queued.createVideo(video, caller, 60_000, async () => {
      throw new ServiceError('INVALID_REQUEST', 'image: not an image');
    });
    await expect(bad).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    expect(client.videoRequests).toEqual([]);
    expect(queue.finishedIds).toHaveLength(1);
    expect(await store.withStatus(['QUEUED', 'PROCESSING'])).toEqual([]);
  });

  it('gives a video whose mode was left open the standard deadline when Bing takes it as standard', async () => {
    const { store, client, queued } = setup();
    client.hold();
    client.videoMode = 'STANDARD';
    const open = await queued.createVideo(video, caller, 60_000);
    expect(open.deadlineAt).toBe(open.createdAt + 3_600_000);
    expect((await store.get(open.id))?.deadlineAt).toBe(open.createdAt + 3_600_000);
    const chosen = await queued.createVideo({ ...video, mode: 'FAST' }, caller, 60_000);
    expect(chosen.deadlineAt).toBe(chosen.createdAt + 60_000);
    client.release();
  });

  it('resumes a taken-over job from its saved id without submitting again', async () => {
    const { store, queue, client, queued } = setup();
    client.hold();
    const accepted = await queued.createVideo(video, caller, 60_000);
    // The first attempt's instance "died": a second attempt runs on the same job data.
    client.release();
    await queue.attempt(accepted.id);
    expect(client.submits).toHaveLength(1);
    expect(client.waits).toEqual(['1-1', '1-1']);
    expect(await store.get(accepted.id)).toMatchObject({ status: 'COMPLETED', video: 'https://example.com/1-1.mp4' });
  });

  it('never resubmits after a submit that began without Bing confirming it', async () => {
    const { store, queue, client, queued } = setup();
    queue.paused = true;
    queue.slotFree = false;
    const task = await queued.createVideo(video, caller, 60_000);
    queue.jobs.get(task.id)!.submitBegun = true;
    await queue.attempt(task.id);
    expect(client.submits).toEqual([]);
    expect(await store.get(task.id)).toMatchObject({
      status: 'FAILED',
      errorCode: 'UPSTREAM',
      error: expect.stringContaining('may not have been created'),
    });
    expect(queue.finishedIds).toEqual([task.id]);
  });

  it('fails a job taken after its deadline with TIMEOUT, and a creator whose job nobody took withdraws it', async () => {
    const { store, queue, client, queued } = setup();
    queue.paused = true;
    queue.slotFree = false;
    const waiting = await queued.createVideo(video, caller, 0);
    await queue.attempt(waiting.id);
    expect(await store.get(waiting.id)).toMatchObject({ status: 'FAILED', errorCode: 'TIMEOUT' });

    // An image whose job is never taken: the creator withdraws it at its deadline (plus grace) and fails it.
    const started = Date.now();
    await expect(queued.createImage(image, caller, 10)).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(client.submits).toEqual([]);
  });

  it('settles unfinished tasks that lost their job: queued again with a Bing id, failed without one', async () => {
    const { store, queue, queued } = setup();
    const left = (over: Partial<Task>) =>
      ({
        kind: 'VIDEO',
        prompt: 'p',
        revisedPrompt: null,
        model: null,
        aspect: 'LANDSCAPE',
        account: 'acct',
        images: [],
        video: null,
        error: null,
        errorCode: null,
        createdAt: 1,
        updatedAt: 1,
        completedAt: null,
        deadlineAt: Date.now() + 60_000,
        owner: null,
        ...over,
      }) as Task;
    await store.insert(left({ id: 'with-id', bingRequestId: '1-9', status: 'PROCESSING' }));
    await store.insert(left({ id: 'without', bingRequestId: null, status: 'QUEUED' }));
    await store.insert(left({ id: 'young', bingRequestId: null, status: 'QUEUED', updatedAt: Date.now() }));
    queue.paused = true;
    expect(await queued.reconcile()).toEqual({ requeued: 1, failed: 1 });
    expect([...queue.jobs.keys()]).toEqual(['with-id']);
    expect(await store.get('without')).toMatchObject({ status: 'FAILED', errorCode: 'UPSTREAM' });
    expect((await store.get('young'))?.status).toBe('QUEUED');
    expect(await queued.reconcile()).toEqual({ requeued: 0, failed: 0 });
  });

  it('leaves a task as it is when its instance stops mid-poll, for the next attempt', async () => {
    const { store, queue, client, queued } = setup();
    client.hold();
    const accepted = await queued.createVideo(video, caller, 60_000);
    queue.stop$.abort();
    await Promise.all(queue.runs);
    expect(queue.jobs.get(accepted.id)).toMatchObject({ submitBegun: true, requestId: '1-1' });
    expect(await store.get(accepted.id)).toMatchObject({ status: 'PROCESSING', bingRequestId: '1-1' });
    expect(queue.finishedIds).toEqual([]);
  });
});
