/**
 * The service: owns every generation from request to result. It creates the task, drives the Bing
 * client, records each step in the store and publishes it. GraphQL and REST are views over this class.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { BingClient, GenerationEvent, Submitted } from '../bing/client.js';
import type { SessionState } from '../bing/accounts.js';
import { ServiceError, notFound } from './errors.js';
import type { TaskEvents } from './events.js';
import { parseImageInput, parseVideoInput, type ImageInput, type VideoInput } from './input.js';
import type { TaskPage, TaskPageQuery, TaskStore } from './store.js';
import { Admission, type ServiceLimits } from './admission.js';
import type { Release } from '../limits/slots.js';
import { isTerminal, type Task, type TaskKind } from './task.js';
import { checkVideoImage, imageFromUrl, type VideoImage, type VideoImagePolicy } from './video-image.js';

export type { ServiceLimits };

export interface TaskServiceOptions {
  imageDeadlineMs: number;
  /** A fast-mode video's deadline (and a video's whose mode is not chosen yet). */
  videoDeadlineMs: number;
  videoStandardDeadlineMs: number;
  /** What a source image of image-to-video may be, and where it may be fetched from. */
  videoImage: VideoImagePolicy;
  maxPromptLength: number;
  ttlMs: number;
  maxTasks: number;
  sweepIntervalMs: number;
  limits: ServiceLimits;
}

/** Who is asking: the owner recorded on new tasks and required on reads, and who the limits count against. */
export interface Caller {
  owner: string | null;
  /** The name per-caller limits use: the owner, or the client's address when keys are off. */
  client?: string;
}

export interface Health {
  cookieSet: boolean;
  session: SessionState;
  activeTasks: number;
  /** Free fast video creations left, per account (by fingerprint); null where Bing has not said. */
  fastCreations: Array<{ account: string; fastCreationsLeft: number | null }>;
}

export class TaskService {
  readonly #client: BingClient;
  readonly #store: TaskStore;
  readonly #events: TaskEvents;
  readonly #options: TaskServiceOptions;
  readonly #log: Logger;
  /** Aborts every wait at stop; the tasks stay PROCESSING and resume at the next start. */
  readonly #stopping = new AbortController();
  readonly #running = new Set<Promise<unknown>>();
  readonly #admission: Admission;
  #sweeper: NodeJS.Timeout | undefined;

  constructor(client: BingClient, store: TaskStore, events: TaskEvents, options: TaskServiceOptions, log: Logger) {
    this.#client = client;
    this.#store = store;
    this.#events = events;
    this.#options = options;
    this.#log = log;
    this.#admission = new Admission(options.limits);
    // Every running generation listens for the stop: thousands at once are expected, not a leak.
    setMaxListeners(0, this.#stopping.signal);
  }

  /** Resumes what a previous run left unfinished, and starts the retention sweep. */
  start(): void {
    for (const task of this.#store.withStatus(['QUEUED', 'PROCESSING'])) this.#recover(task);
    this.#sweepOrLog();
    this.#sweeper = setInterval(() => this.#sweepOrLog(), this.#options.sweepIntervalMs);
    this.#sweeper.unref();
  }

  /** Stops every wait without failing its task; resolves when they have all let go. */
  async stop(): Promise<void> {
    clearInterval(this.#sweeper);
    this.#stopping.abort(new Error('The server is stopping.'));
    await Promise.allSettled([...this.#running]);
  }

  health(): Health {
    return {
      cookieSet: this.#client.cookieSet(),
      session: this.#client.session(),
      activeTasks: this.#store.countWithStatus(['QUEUED', 'PROCESSING']),
      fastCreations: this.#client.fastCreationsLeft(),
    };
  }

  getTask(id: string, caller: Caller): Task | undefined {
    const task = this.#store.get(id);
    return task && this.#visible(task, caller) ? task : undefined;
  }

  listTasks(query: Omit<TaskPageQuery, 'owner'>, caller: Caller): TaskPage {
    return this.#store.page({ ...query, owner: caller.owner ?? undefined });
  }

  /**
   * The task's current state, then each change, ending after a terminal state. NOT_FOUND when unknown,
   * RATE_LIMITED when the caller has too many subscriptions open.
   */
  watch(id: string, caller: Caller, kind?: TaskKind): AsyncGenerator<Task> {
    const task = this.getTask(id, caller);
    if (!task || (kind && task.kind !== kind)) throw notFound();
    const release = this.#admission.subscription(caller);
    return held(this.#events.watch(id, () => this.#store.get(id)), release);
  }

  /** Generates images and waits for them. The task is kept, so a caller that went away can read it later. */
  async createImage(raw: { query?: unknown; model?: unknown; aspect?: unknown }, caller: Caller): Promise<Task> {
    const input = parseImageInput(raw, this.#options.maxPromptLength);
    this.#refuseWhenStopping();
    const { release, slot } = this.#admission.generation(caller);
    const task = this.#newTask('IMAGE', input.prompt, input.model, input.aspect, this.#options.imageDeadlineMs, caller, slot);
    return this.#track(this.#inSlot(task, slot, () => this.#runImage(task, input))).finally(release);
  }

  /**
   * Submits a video and returns its task as soon as Bing accepted it, so that a refused prompt is an
   * answer; the wait goes on in the background. A video that has to wait for a slot is returned QUEUED.
   */
  async createVideo(raw: { query?: unknown; aspect?: unknown; mode?: unknown; image?: unknown }, caller: Caller): Promise<Task> {
    const parsed = parseVideoInput(raw, this.#options.maxPromptLength);
    const source = checkVideoImage(raw.image, this.#options.videoImage);
    this.#refuseWhenStopping();
    const { release, slot } = this.#admission.generation(caller);
    // A source image by URL is fetched (and checked) once the caller passed the limits; a bad one never makes a task.
    let image: VideoImage | null;
    try {
      image = source instanceof URL ? await imageFromUrl(source, this.#options.videoImage, this.#stopping.signal) : source;
    } catch (error) {
      slot?.();
      release();
      throw error;
    }
    const input: VideoInput = image ? { ...parsed, imageBase64: image.base64 } : parsed;
    const deadlineMs = input.mode === 'STANDARD' ? this.#options.videoStandardDeadlineMs : this.#options.videoDeadlineMs;
    const task = this.#newTask('VIDEO', input.prompt, null, input.aspect, deadlineMs, caller, slot, input.mode ?? null);
    if (!slot) {
      void this.#track(this.#inSlot(task, undefined, () => this.#runVideo(task, input)))
        .catch(() => undefined)
        .finally(release);
      return task;
    }
    let submitted: Submitted;
    try {
      submitted = await this.#track(this.#submit(task, () => this.#client.submitVideo(input, this.#watch(task))));
    } catch (error) {
      slot();
      release();
      throw error;
    }
    const accepted = this.#store.get(task.id) ?? task;
    void this.#track(this.#waitVideo(accepted, input, submitted))
      .catch(() => undefined)
      .finally(() => {
        slot();
        release();
      });
    return accepted;
  }

  /** Runs `work` holding a Bing slot; without one yet, the task waits QUEUED until its turn or its deadline. */
  async #inSlot(task: Task, slot: Release | undefined, work: () => Promise<Task>): Promise<Task> {
    let release = slot;
    if (!release) {
      const deadline = AbortSignal.timeout(Math.max(0, task.deadlineAt - Date.now()));
      try {
        release = await this.#admission.slot(AbortSignal.any([deadline, this.#stopping.signal]));
      } catch (error) {
        if (this.#stopping.signal.aborted) {
          throw this.#fail(task, new ServiceError('UPSTREAM', 'The server stopped before this generation reached Bing. Nothing was spent; submit it again.'));
        }
        throw this.#fail(task, new ServiceError('TIMEOUT', 'The generation waited in the queue past its deadline.', { retryAfterSeconds: 10 }));
      }
      this.#save(this.#store.get(task.id) ?? task, { status: 'PROCESSING' });
    }
    try {
      return await work();
    } finally {
      release();
    }
  }

  /** Deletes finished tasks past their time to live, then keeps the store under its cap. */
  sweep(now = Date.now()): { expired: number; capped: number } {
    const expired = this.#store.deleteFinishedBefore(now - this.#options.ttlMs);
    const capped = this.#store.enforceCap(this.#options.maxTasks);
    if (expired + capped > 0) this.#log.info({ expired, capped }, 'swept finished tasks');
    return { expired, capped };
  }

  /** The scheduled sweep. A store that fails it (a lock held too long, a full disk) must not take the server down. */
  #sweepOrLog(): void {
    try {
      this.sweep();
    } catch (error) {
      this.#log.error({ err: error }, 'sweeping finished tasks failed; the next sweep tries again');
    }
  }

  #visible(task: Task, caller: Caller): boolean {
    return caller.owner === null || task.owner === caller.owner;
  }

  async #runVideo(task: Task, input: VideoInput): Promise<Task> {
    const submitted = await this.#submit(task, () => this.#client.submitVideo(input, this.#watch(task)));
    await this.#waitVideo(this.#store.get(task.id) ?? task, input, submitted);
    return this.#store.get(task.id) ?? task;
  }

  #refuseWhenStopping(): void {
    if (this.#stopping.signal.aborted) {
      throw new ServiceError('UPSTREAM', 'The server is restarting and takes no new generations. Try again in a moment.', {
        retryAfterSeconds: 5,
      });
    }
  }

  #newTask(
    kind: TaskKind,
    prompt: string,
    model: Task['model'],
    aspect: Task['aspect'],
    deadlineMs: number,
    caller: Caller,
    slot: Release | undefined,
    mode: Task['mode'] = null,
  ): Task {
    const now = Date.now();
    const task: Task = {
      id: randomUUID(),
      kind,
      prompt,
      revisedPrompt: null,
      model,
      aspect,
      bingRequestId: null,
      account: null,
      status: slot ? 'PROCESSING' : 'QUEUED',
      images: [],
      video: null,
      mode,
      width: null,
      height: null,
      durationSeconds: null,
      error: null,
      errorCode: null,
      createdAt: now,
      updatedAt: now,
      completedAt: null,
      deadlineAt: now + deadlineMs,
      owner: caller.owner,
    };
    this.#store.insert(task);
    this.#events.publish(task);
    return task;
  }

  #save(task: Task, change: Partial<Task>): Task {
    const next: Task = { ...task, ...change, updatedAt: Date.now() };
    if (isTerminal(next.status) && next.completedAt === null) next.completedAt = next.updatedAt;
    this.#store.update(next);
    this.#events.publish(next);
    return next;
  }

  #fail(task: Task, error: unknown): ServiceError {
    const failure = ServiceError.from(error);
    if (failure.code === 'INTERNAL') this.#log.error({ err: error, taskId: task.id }, 'generation failed unexpectedly');
    else this.#log.info({ taskId: task.id, code: failure.code }, 'generation failed');
    try {
      this.#save(this.#store.get(task.id) ?? task, { status: 'FAILED', error: failure.message, errorCode: failure.code });
    } catch (storeError) {
      // The store itself failing (a full disk, a lock held too long) must not take the server down with it.
      this.#log.error({ err: storeError, taskId: task.id }, 'could not record a failed generation');
    }
    return failure;
  }

  #watch(task: Task) {
    return {
      signal: this.#stopping.signal,
      onEvent: (event: GenerationEvent) => {
        if (event.type === 'submitted') {
          const current = this.#store.get(task.id) ?? task;
          const change: Partial<Task> = { bingRequestId: event.requestId, account: event.account };
          if (event.mode) {
            change.mode = event.mode;
            // A standard video waits as long as standard mode takes, counted from the request.
            if (event.mode === 'STANDARD') change.deadlineAt = Math.max(current.deadlineAt, current.createdAt + this.#options.videoStandardDeadlineMs);
          }
          this.#save(current, change);
        }
      },
    };
  }

  async #submit(task: Task, submit: () => Promise<Submitted>): Promise<Submitted> {
    try {
      return await submit();
    } catch (error) {
      throw this.#stopped(task, error) ?? this.#fail(task, error);
    }
  }

  /** An abort at stop leaves the task as it is, for the next start; it is not a failure of the generation. */
  #stopped(task: Task, error: unknown): ServiceError | undefined {
    if (!this.#stopping.signal.aborted || error instanceof ServiceError) return undefined;
    this.#log.info({ taskId: task.id }, 'generation left to resume at the next start');
    return new ServiceError('UPSTREAM', 'The server is restarting; the generation resumes when it is back.', {
      retryAfterSeconds: 5,
    });
  }

  async #runImage(task: Task, input: ImageInput): Promise<Task> {
    const submitted = await this.#submit(task, () => this.#client.submitImage(input, this.#watch(task)));
    return this.#waitImage(task, input, { ...submitted, deadlineAt: task.deadlineAt });
  }

  async #waitImage(task: Task, input: ImageInput, submitted: Submitted & { deadlineAt: number }): Promise<Task> {
    try {
      const result = await this.#client.waitForImage(input, submitted, this.#watch(task));
      return this.#save(this.#store.get(task.id) ?? task, {
        status: 'COMPLETED',
        images: result.images,
        revisedPrompt: result.revisedPrompt,
      });
    } catch (error) {
      throw this.#stopped(task, error) ?? this.#fail(task, error);
    }
  }

  async #waitVideo(task: Task, input: VideoInput, submitted: Submitted): Promise<void> {
    try {
      const mode = submitted.mode ?? task.mode ?? input.mode;
      const result = await this.#client.waitForVideo(input, { ...submitted, mode, deadlineAt: task.deadlineAt }, this.#watch(task));
      this.#save(this.#store.get(task.id) ?? task, {
        status: 'COMPLETED',
        video: result.url,
        mode: result.mode,
        width: result.width,
        height: result.height,
        durationSeconds: result.durationSeconds,
      });
    } catch (error) {
      if (!this.#stopped(task, error)) this.#fail(task, error);
    }
  }

  /** Picks up a task a previous run left unfinished. Never submits: without a Bing id it can only fail. */
  #recover(task: Task): void {
    if (!task.bingRequestId || !task.account) {
      const message =
        task.status === 'QUEUED'
          ? 'The server stopped while this generation waited for its turn. Nothing reached Bing; submit it again.'
          : 'The server stopped while submitting this generation, before Bing confirmed it. It may not have been created; submit it again.';
      this.#fail(task, new ServiceError('UPSTREAM', message));
      return;
    }
    if (Date.now() >= task.deadlineAt) {
      this.#fail(task, new ServiceError('TIMEOUT', 'The generation passed its deadline while the server was down.'));
      return;
    }
    this.#log.info({ taskId: task.id, kind: task.kind }, 'resuming generation');
    // Bing is already running it, so it takes a slot whatever the capacity, ahead of anything queued.
    const slot = this.#admission.resumedSlot();
    const submitted = { requestId: task.bingRequestId, account: task.account, submittedAt: task.createdAt, deadlineAt: task.deadlineAt };
    const wait: Promise<unknown> =
      task.kind === 'VIDEO'
        ? this.#waitVideo(task, { prompt: task.prompt, aspect: task.aspect as VideoInput['aspect'] }, { ...submitted, mode: task.mode ?? 'FAST' })
        : this.#waitImage(task, { prompt: task.prompt, model: task.model ?? 'DALLE', aspect: task.aspect as ImageInput['aspect'] }, submitted);
    void this.#track(wait.catch(() => undefined).finally(slot));
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#running.add(work);
    const settle = () => this.#running.delete(work);
    work.then(settle, settle);
    return work;
  }
}


/** `source`, releasing `release` once when it ends, however it ends. */
async function* held<T>(source: AsyncGenerator<T>, release: Release): AsyncGenerator<T> {
  try {
    yield* source;
  } finally {
    release();
  }
}
