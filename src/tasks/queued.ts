/**
 * Generations through a shared queue (cluster mode): the request admits and records the task and queues it;
 * whichever instance's worker takes the job submits it once, saves Bing's id on the job and the task, and
 * polls; a worker that takes over a job resumes from the saved id and never submits again. The creating
 * request follows the task through the shared events, so it answers as the in-process path does.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { clientOf } from './admission.js';
import { ServiceError } from './errors.js';
import { watchTask, type TaskEvents, type TaskWatch } from './events.js';
import type { GenerationEvent, Generations, Submitted } from './generations.js';
import type { Attempt, GenerationQueue, Work } from './queue.js';
import type { TaskRecord } from './record.js';
import type { TaskStore } from './store.js';
import type { VideoImage } from './video-image.js';
import {
  isTerminal,
  type Caller,
  type ImageInput,
  type ImageTask,
  type Task,
  type TaskChange,
  type VideoInput,
  type VideoTask,
} from './task.js';

/** The creating request waits this much past the deadline for the worker's own TIMEOUT before it gives up. */
const DEADLINE_GRACE_MS = 5_000;
/** An unfinished task without a job for this long has lost it. */
const ORPHAN_AGE_MS = 60_000;

export interface QueuedDeps {
  generations: Pick<Generations, 'submitImage' | 'submitVideo' | 'waitForImage' | 'waitForVideo'>;
  store: TaskStore;
  events: TaskEvents;
  record: TaskRecord;
  queue: GenerationQueue;
  log: Logger;
  /** Aborts when this instance stops: the requests waiting here let go (the work goes on elsewhere). */
  stopping: AbortSignal;
  /** How long past the deadline a creator waits for the worker's own TIMEOUT; default 5 s. */
  graceMs?: number;
  /** A video whose mode was left open gets this deadline (from its creation) when Bing takes it as standard. */
  videoStandardDeadlineMs?: number;
}

type Input = { kind: 'IMAGE'; input: ImageInput } | { kind: 'VIDEO'; input: VideoInput };

export class QueuedGenerations {
  readonly #deps: QueuedDeps;
  #timer: NodeJS.Timeout | undefined;

  constructor(deps: QueuedDeps) {
    this.#deps = deps;
  }

  /** Settles tasks that lost their job now and every `periodMs`, on one instance of the cluster each time. */
  start(periodMs: number): void {
    const period = Math.max(ORPHAN_AGE_MS, periodMs);
    const settle = async () => {
      try {
        if (await this.#deps.queue.lead('reconcile', Math.round(period * 0.9))) await this.reconcile();
      } catch (error) {
        this.#deps.log.warn(
          { err: error },
          'settling generations that lost their job failed; the next round tries again',
        );
      }
    };
    void settle();
    this.#timer = setInterval(() => void settle(), period);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Admits, records and queues an image; resolves with the finished task (COMPLETED; failures throw). */
  async createImage(input: ImageInput, caller: Caller, deadlineMs: number): Promise<ImageTask> {
    const task = await this.#create({ kind: 'IMAGE', input }, caller, deadlineMs, (t) => isTerminal(t.status), true);
    return outcome(task) as ImageTask;
  }

  /** Resolves once Bing accepted the video (or refused it: that throws), or at once with a QUEUED task when no slot is free. */
  async createVideo(
    input: VideoInput,
    caller: Caller,
    deadlineMs: number,
    image?: () => Promise<VideoImage | null>,
  ): Promise<VideoTask> {
    const task = await this.#create(
      { kind: 'VIDEO', input },
      caller,
      deadlineMs,
      (t) => t.bingRequestId !== null || isTerminal(t.status),
      false,
      image,
    );
    return outcome(task) as VideoTask;
  }

  async #create(
    request: Input,
    caller: Caller,
    deadlineMs: number,
    answered: (task: Task) => boolean,
    waitWhenQueued: boolean,
    image?: () => Promise<VideoImage | null>,
  ): Promise<Task> {
    const { store, events, queue, record } = this.#deps;
    const now = Date.now();
    const task = newTask(request, caller, now, now + deadlineMs);
    const work: Work = { taskId: task.id, client: clientOf(caller) };
    const { slotFree } = await queue.admit(work, task.deadlineAt);
    try {
      // A source image by URL is fetched once the caller passed the limits; a bad one never makes a task.
      const source = await image?.();
      if (source) work.imageBase64 = source.base64;
      await record.create(task);
    } catch (error) {
      await queue.finished(work);
      throw ServiceError.from(error);
    }
    // Subscribed before the job is queued, so no step of the worker can be missed.
    const watching = await watchTask(events, task.id, () => store.get(task.id));
    try {
      await watching.next();
      try {
        await queue.enqueue(work);
      } catch (error) {
        const failure = ServiceError.from(error);
        await this.#save(task, { status: 'FAILED', error: failure.message, errorCode: failure.code }).catch(
          () => undefined,
        );
        await queue.finished(work);
        throw failure;
      }
      if (!slotFree && !waitWhenQueued) return task;
      return await this.#follow(task, work, watching, answered);
    } finally {
      void watching.return();
    }
  }

  /** Follows the task until `answered`, its deadline, or this instance's stop. */
  async #follow(task: Task, work: Work, watching: TaskWatch, answered: (task: Task) => boolean): Promise<Task> {
    const { store, queue, stopping } = this.#deps;
    let timer: NodeJS.Timeout | undefined;
    let onStop: (() => void) | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(
        () => resolve('late'),
        Math.max(0, task.deadlineAt - Date.now()) + (this.#deps.graceMs ?? DEADLINE_GRACE_MS),
      );
    });
    const stopped = new Promise<'stopped'>((resolve) => {
      onStop = () => resolve('stopped');
      stopping.addEventListener('abort', onStop, { once: true });
    });
    try {
      let last = task;
      for (;;) {
        const next = await Promise.race([watching.next(), late, stopped]);
        if (next === 'stopped') {
          throw new ServiceError(
            'UPSTREAM',
            'This server is restarting; the generation goes on on another instance. Read its task later.',
            {
              retryAfterSeconds: 5,
            },
          );
        }
        if (next === 'late') {
          // No worker took it before its deadline: take it back, so none does later.
          if (await queue.withdraw(work)) {
            await queue.finished(work);
            return await this.#save(last, {
              status: 'FAILED',
              error: 'The generation waited in the queue past its deadline.',
              errorCode: 'TIMEOUT',
            });
          }
          return (await store.get(task.id)) ?? last;
        }
        if (next.done) return (await store.get(task.id)) ?? last;
        last = next.value;
        if (answered(last)) return last;
      }
    } finally {
      clearTimeout(timer);
      if (onStop) stopping.removeEventListener('abort', onStop);
    }
  }

  /**
   * Finds unfinished tasks without a job (their creator died between recording and queueing them, or the
   * job failed for good) and settles them as start-up recovery does: queued again when Bing has their id,
   * failed otherwise. Tasks younger than `minAgeMs` are left alone: their creator may be queueing them now.
   */
  async reconcile(minAgeMs = ORPHAN_AGE_MS): Promise<{ requeued: number; failed: number }> {
    const { store, queue, log } = this.#deps;
    let requeued = 0;
    let failed = 0;
    for (const task of await store.withStatus(['QUEUED', 'PROCESSING'])) {
      if (Date.now() - task.updatedAt < minAgeMs || (await queue.has(task.id))) continue;
      const work: Work = { taskId: task.id, client: task.owner ?? 'anonymous' };
      if (task.bingRequestId && task.account && Date.now() < task.deadlineAt) {
        await queue.enqueue(work);
        requeued++;
      } else {
        const message = task.bingRequestId
          ? 'The generation passed its deadline while no instance ran it.'
          : 'The instance that took this generation stopped before Bing confirmed it. It may not have been created; submit it again.';
        await this.#fail(task, new ServiceError(task.bingRequestId ? 'TIMEOUT' : 'UPSTREAM', message));
        failed++;
      }
    }
    if (requeued + failed > 0) log.info({ requeued, failed }, 'settled generations that had lost their job');
    return { requeued, failed };
  }

  /** One attempt at a queued generation, on whichever instance took its job. */
  readonly run = async (work: Work, attempt: Attempt): Promise<void> => {
    const { store, queue, log } = this.#deps;
    const task = await store.get(work.taskId);
    if (!task || isTerminal(task.status)) {
      await queue.finished(work);
      return;
    }
    log.info({ taskId: task.id, kind: task.kind }, 'running generation');
    const ended = await this.#attempt(task, attempt, work.imageBase64);
    if (ended) await queue.finished(work);
  };

  /** Runs the attempt; true when the task ended (either way), false when it was handed back. */
  async #attempt(task: Task, attempt: Attempt, imageBase64: string | undefined): Promise<boolean> {
    const requestId = attempt.requestId ?? task.bingRequestId;
    const account = attempt.account ?? task.account;
    try {
      if (Date.now() >= task.deadlineAt) {
        const message = requestId
          ? 'The generation passed its deadline.'
          : 'The generation waited in the queue past its deadline.';
        await this.#fail(task, new ServiceError('TIMEOUT', message));
        return true;
      }
      if (requestId && account) {
        this.#deps.log.info({ taskId: task.id, kind: task.kind }, 'resuming generation');
        const resumed = task.status === 'PROCESSING' ? task : await this.#save(task, { status: 'PROCESSING' });
        await this.#wait(resumed, { requestId, account, submittedAt: task.createdAt }, attempt);
        return true;
      }
      if (attempt.submitBegun) {
        await this.#fail(
          task,
          new ServiceError(
            'UPSTREAM',
            'An instance stopped while submitting this generation, before Bing confirmed it. It may not have been created; submit it again.',
          ),
        );
        return true;
      }
      const processing = await this.#save(task, { status: 'PROCESSING' });
      await attempt.submitting();
      const submitted = await this.#submit(processing, attempt, imageBase64);
      const accepted = await this.#save(processing, {
        bingRequestId: submitted.requestId,
        account: submitted.account,
        ...this.#standardDeadline(processing, submitted),
      });
      await this.#wait(accepted, submitted, attempt);
      return true;
    } catch (error) {
      if (attempt.signal.aborted && !(error instanceof ServiceError)) {
        this.#deps.log.info({ taskId: task.id }, 'generation handed back to the queue');
        return false;
      }
      await this.#fail(task, error);
      return true;
    }
  }

  /** The longer deadline of a video whose mode was left open and that Bing took as standard. */
  #standardDeadline(task: Task, submitted: Submitted): { deadlineAt?: number } {
    const standardMs = this.#deps.videoStandardDeadlineMs;
    if (task.kind !== 'VIDEO' || task.mode !== null || submitted.mode !== 'STANDARD' || !standardMs) return {};
    return { deadlineAt: Math.max(task.deadlineAt, task.createdAt + standardMs) };
  }

  async #submit(task: Task, attempt: Attempt, imageBase64: string | undefined): Promise<Submitted> {
    const { generations } = this.#deps;
    // Saved on the job the moment Bing accepted, before the client's submit has even returned.
    let saving: Promise<void> = Promise.resolve();
    const watch = {
      signal: attempt.signal,
      onEvent: (event: GenerationEvent) => {
        if (event.type === 'submitted' && 'requestId' in event)
          saving = attempt.submitted(event.requestId, event.account);
      },
    };
    const submitted =
      task.kind === 'VIDEO'
        ? await generations.submitVideo({ ...videoInput(task), ...(imageBase64 ? { imageBase64 } : {}) }, watch)
        : await generations.submitImage(imageInput(task), watch);
    await saving;
    return submitted;
  }

  async #wait(task: Task, submitted: Submitted, attempt: Attempt): Promise<void> {
    const { generations } = this.#deps;
    const resume = { ...submitted, deadlineAt: task.deadlineAt };
    const watch = { signal: attempt.signal };
    if (task.kind === 'VIDEO') {
      const result = await generations.waitForVideo(videoInput(task), resume, watch);
      await this.#save(task, {
        status: 'COMPLETED',
        video: result.url,
        mode: result.mode,
        width: result.width,
        height: result.height,
        durationSeconds: result.durationSeconds,
      });
    } else {
      const result = await generations.waitForImage(imageInput(task), resume, watch);
      await this.#save(task, { status: 'COMPLETED', images: result.images, revisedPrompt: result.revisedPrompt });
    }
  }

  #save(task: Task, change: TaskChange): Promise<Task> {
    return this.#deps.record.change(task, change);
  }

  async #fail(task: Task, error: unknown): Promise<void> {
    const failure = ServiceError.from(error);
    if (failure.code === 'INTERNAL')
      this.#deps.log.error({ err: error, taskId: task.id }, 'generation failed unexpectedly');
    else this.#deps.log.info({ taskId: task.id, code: failure.code }, 'generation failed');
    await this.#save(task, { status: 'FAILED', error: failure.message, errorCode: failure.code });
  }
}

/** The task as the request answers it: a failure is thrown with its code and message, as in process. */
function outcome(task: Task): Task {
  if (task.status === 'FAILED')
    throw new ServiceError(task.errorCode ?? 'INTERNAL', task.error ?? 'The generation failed.');
  return task;
}

function newTask(request: Input, caller: Caller, now: number, deadlineAt: number): Task {
  const base = {
    id: randomUUID(),
    prompt: request.input.prompt,
    bingRequestId: null,
    account: null,
    status: 'QUEUED' as const,
    error: null,
    errorCode: null,
    createdAt: now,
    updatedAt: now,
    completedAt: null,
    deadlineAt,
    owner: caller.owner,
  };
  return request.kind === 'IMAGE'
    ? {
        ...base,
        kind: 'IMAGE',
        model: request.input.model,
        aspect: request.input.aspect,
        images: [],
        revisedPrompt: null,
      }
    : {
        ...base,
        kind: 'VIDEO',
        aspect: request.input.aspect,
        video: null,
        mode: request.input.mode ?? null,
        width: null,
        height: null,
        durationSeconds: null,
      };
}

function imageInput(task: ImageTask): ImageInput {
  return { prompt: task.prompt, model: task.model, aspect: task.aspect };
}

function videoInput(task: VideoTask): VideoInput {
  return { prompt: task.prompt, aspect: task.aspect, ...(task.mode ? { mode: task.mode } : {}) };
}
