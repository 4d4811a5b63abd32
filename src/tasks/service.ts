/**
 * The service: owns every generation from request to result. It creates the task, drives the generation
 * source, and has each step recorded (record.ts). GraphQL and REST are views over this class.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { Release } from '../limits/slots.js';
import { ACCOUNT_STATE_NAMES, type AccountInfo, type AccountState } from './accounts.js';
import { Admission, clientOf, type ServiceLimits } from './admission.js';
import { ServiceError, notFound } from './errors.js';
import { watchTask, type TaskEvents, type TaskWatch } from './events.js';
import type {
  AccountBoosts,
  GenerationEvent,
  GenerationWatch,
  Generations,
  Resume,
  SessionState,
  Submitted,
} from './generations.js';
import { parseImageInput, parseVideoInput } from './input.js';
import type { MediaLinks } from './media.js';
import type { GenerationQueue } from './queue.js';
import { QueuedGenerations } from './queued.js';
import { TaskRecord } from './record.js';
import { recover } from './recovery.js';
import { Retention } from './retention.js';
import type { TaskPage, TaskPageQuery, TaskStore } from './store.js';
import type { Caller, ImageInput, ImageTask, Task, TaskKind, VideoInput, VideoMode, VideoTask } from './task.js';
import {
  checkVideoImage,
  imageFromUrl,
  type FetchImage,
  type VideoImage,
  type VideoImagePolicy,
} from './video-image.js';

export type { Caller, ServiceLimits };

export interface TaskServiceOptions {
  imageDeadlineMs: number;
  /** A fast-mode video's deadline (and a video's whose mode is not chosen yet). */
  videoDeadlineMs: number;
  videoStandardDeadlineMs: number;
  /** What a source image of image-to-video may be, and where it may be fetched from. */
  videoImage: VideoImagePolicy;
  /** How a source image given by URL is fetched (the server's HTTP client). */
  fetchImage: FetchImage;
  maxPromptLength: number;
  ttlMs: number;
  maxTasks: number;
  sweepIntervalMs: number;
  limits: ServiceLimits;
  /** The media mirror (MEDIA_MIRROR), when it is on. */
  media?: MediaLinks | undefined;
}

export interface Health {
  cookieSet: boolean;
  session: SessionState;
  activeTasks: number;
  /** Free fast video creations left, per account (by fingerprint); null where Bing has not said. */
  fastCreations: Array<{ account: string; fastCreationsLeft: number | null }>;
  /** Boosts (fast image creations) left, per account; unknown until a session page showed them. */
  boosts: AccountBoosts[];
  /** How many accounts are in each state. */
  accountStates: Record<AccountState, number>;
  /** Accounts that expired since the server started. */
  accountExpirations: number;
}

export class TaskService {
  readonly #generations: Generations;
  readonly #store: TaskStore;
  readonly #events: TaskEvents;
  readonly #record: TaskRecord;
  readonly #retention: Retention;
  readonly #options: TaskServiceOptions;
  readonly #log: Logger;
  /** Aborts every wait at stop; the tasks stay PROCESSING and resume at the next start. */
  readonly #stopping = new AbortController();
  readonly #running = new Set<Promise<unknown>>();
  readonly #admission: Admission;
  /** Cluster mode: generations go through the shared queue, and any instance's worker runs them. */
  readonly #queue: GenerationQueue | undefined;
  readonly #queued: QueuedGenerations | undefined;
  /** Subscriptions open on this instance (in cluster mode too, where the limit is counted in Redis). */
  #watching = 0;

  constructor(
    generations: Generations,
    store: TaskStore,
    events: TaskEvents,
    options: TaskServiceOptions,
    log: Logger,
    queue?: GenerationQueue,
  ) {
    this.#generations = generations;
    this.#store = store;
    this.#events = events;
    this.#record = new TaskRecord(store, events);
    // Shared by every instance: one of them sweeps per interval.
    const lead = queue && (() => queue.lead('sweep', Math.round(options.sweepIntervalMs * 0.9)));
    this.#retention = new Retention(store, options, log, lead);
    this.#queue = queue;
    this.#queued =
      queue &&
      new QueuedGenerations({
        generations,
        store,
        events,
        record: this.#record,
        queue,
        log,
        stopping: this.#stopping.signal,
        videoStandardDeadlineMs: options.videoStandardDeadlineMs,
      });
    this.#options = options;
    this.#log = log;
    this.#admission = new Admission(options.limits);
    // Every running generation listens for the stop: thousands at once are expected, not a leak.
    setMaxListeners(0, this.#stopping.signal);
  }

  /** Resumes what a previous run left unfinished, and starts the retention sweep. */
  async start(): Promise<void> {
    if (this.#queue && this.#queued) {
      // No start-up recovery: a dead instance's jobs are taken over by the queue, not by the next start.
      await this.#queue.start(this.#queued.run);
      this.#queued.start(this.#options.sweepIntervalMs);
      this.#retention.start();
      return;
    }
    // One process sees every change, so it keeps the count itself; in cluster mode the store counts.
    await this.#record.countActive();
    await recover(this.#store, {
      fail: (task, error) => this.#fail(task, error),
      resume: (task, submitted) => this.#resume(task, submitted),
    });
    this.#retention.start();
  }

  /** Stops every wait without failing its task; resolves when they have all let go. */
  async stop(): Promise<void> {
    this.#retention.stop();
    this.#queued?.stop();
    this.#stopping.abort(new Error('The server is stopping.'));
    // Hands this instance's running generations back to the queue, for another instance to resume.
    await this.#queue?.stop();
    await Promise.allSettled([...this.#running]);
  }

  async health(): Promise<Health> {
    return {
      cookieSet: this.#generations.cookieSet(),
      session: this.#generations.session(),
      activeTasks: await this.#record.active(),
      fastCreations: this.#generations.videoAccounts(),
      boosts: this.#generations.boosts(),
      accountStates:
        this.#generations.accounts?.counts() ??
        (Object.fromEntries(ACCOUNT_STATE_NAMES.map((state) => [state, 0])) as Record<AccountState, number>),
      accountExpirations: this.#generations.accounts?.expirations ?? 0,
    };
  }

  /** The Bing accounts, for the admin view (the view checks that the caller is an admin). */
  accounts(): AccountInfo[] {
    return this.#generations.accounts?.list() ?? [];
  }

  /** The admin switch of one account; NOT_FOUND when no account has this label. */
  setAccountEnabled(label: string, enabled: boolean): AccountInfo {
    const account = this.#generations.accounts?.setEnabled(label, enabled);
    if (!account) throw new ServiceError('NOT_FOUND', `No Bing account is labelled ${JSON.stringify(label)}.`);
    return account;
  }

  /** Generations waiting for a slot in this process, and subscriptions open on it. */
  load(): { queued: number; subscriptions: number } {
    return { queued: this.#admission.queued(), subscriptions: this.#watching };
  }

  async getTask(id: string, caller: Caller): Promise<Task | undefined> {
    const task = await this.#store.get(id);
    return task && this.#visible(task, caller) ? task : undefined;
  }

  listTasks(query: Omit<TaskPageQuery, 'owner'>, caller: Caller): Promise<TaskPage> {
    return this.#store.page({ ...query, owner: caller.owner ?? undefined });
  }

  /**
   * The mirrored copies of the task's media (its images, or its video), each the path it is served at or
   * null while there is none; undefined, at once, when the mirror is off (a read then waits for nothing).
   */
  mirrorsOf(task: Task): Promise<Array<string | null>> | undefined {
    return this.#options.media?.mirrorsOf(task);
  }

  /**
   * The task's current state, then each change, ending after a terminal state. NOT_FOUND when unknown,
   * RATE_LIMITED when the caller has too many subscriptions open.
   */
  async watch(id: string, caller: Caller, kind?: TaskKind): Promise<TaskWatch> {
    const task = await this.getTask(id, caller);
    if (!task || (kind && task.kind !== kind)) throw notFound();
    // Cluster mode: the limit counts every instance's subscriptions.
    const release = this.#queue
      ? await this.#queue.holdSubscription(clientOf(caller))
      : this.#admission.subscription(caller);
    this.#watching += 1;
    return watchTask(
      this.#events,
      id,
      () => this.#store.get(id),
      () => {
        this.#watching -= 1;
        release();
      },
    );
  }

  /** Deletes finished tasks past their time to live, then keeps the store under its cap. */
  sweep(now = Date.now()): Promise<{ expired: number; capped: number }> {
    return this.#retention.sweep(now);
  }

  /** Generates images and waits for them. The task is kept, so a caller that went away can read it later. */
  async createImage(raw: { query?: unknown; model?: unknown; aspect?: unknown }, caller: Caller): Promise<ImageTask> {
    const input = parseImageInput(raw, this.#options.maxPromptLength);
    this.#refuseWhenStopping();
    if (this.#queued) return this.#queued.createImage(input, caller, this.#options.imageDeadlineMs);
    const { release, slot } = this.#admission.generation(caller);
    let task: ImageTask;
    try {
      task = await this.#record.create({
        ...this.#newTask(this.#options.imageDeadlineMs, caller, slot, input.prompt),
        kind: 'IMAGE',
        model: input.model,
        aspect: input.aspect,
        images: [],
        revisedPrompt: null,
      });
    } catch (error) {
      slot?.();
      release();
      throw error;
    }
    return this.#track(this.#inSlot(task, slot, () => this.#runImage(task, input))).finally(release);
  }

  /**
   * Submits a video and returns its task as soon as Bing accepted it, so that a refused prompt is an
   * answer; the wait goes on in the background. A video that has to wait for a slot is returned QUEUED.
   */
  async createVideo(
    raw: { query?: unknown; aspect?: unknown; mode?: unknown; image?: unknown },
    caller: Caller,
  ): Promise<VideoTask> {
    const parsed = parseVideoInput(raw, this.#options.maxPromptLength);
    const source = checkVideoImage(raw.image, this.#options.videoImage);
    this.#refuseWhenStopping();
    if (this.#queued) {
      const deadlineMs =
        parsed.mode === 'STANDARD' ? this.#options.videoStandardDeadlineMs : this.#options.videoDeadlineMs;
      // The job carries the source image, since the task does not hold it.
      const image = source && (() => this.#sourceImage(source));
      return this.#queued.createVideo(parsed, caller, deadlineMs, image || undefined);
    }
    const { release, slot } = this.#admission.generation(caller);
    let task: VideoTask;
    let input: VideoInput;
    try {
      // A source image by URL is fetched (and checked) once the caller passed the limits; a bad one never makes a task.
      const image = source && (await this.#sourceImage(source));
      input = image ? { ...parsed, imageBase64: image.base64 } : parsed;
      const deadlineMs =
        input.mode === 'STANDARD' ? this.#options.videoStandardDeadlineMs : this.#options.videoDeadlineMs;
      task = await this.#record.create({
        ...this.#newTask(deadlineMs, caller, slot, input.prompt),
        kind: 'VIDEO',
        aspect: input.aspect,
        video: null,
        mode: input.mode ?? null,
        width: null,
        height: null,
        durationSeconds: null,
      });
    } catch (error) {
      slot?.();
      release();
      throw error;
    }
    if (!slot) {
      void this.#track(this.#inSlot(task, undefined, () => this.#runVideo(task, input)))
        .catch(() => undefined)
        .finally(release);
      return task;
    }
    let submitted: Submitted;
    try {
      submitted = await this.#track(this.#submit(task, () => this.#generations.submitVideo(input, this.#watch(task))));
    } catch (error) {
      slot();
      release();
      throw error;
    }
    const accepted = await this.#record.current(task);
    void this.#track(
      this.#waitVideo(accepted, input, { ...submitted, deadlineAt: this.#videoDeadline(task, submitted.mode) }),
    )
      .catch(() => undefined)
      .finally(() => {
        slot();
        release();
      });
    return accepted;
  }

  /** Runs `work` holding a Bing slot; without one yet, the task waits QUEUED until its turn or its deadline. */
  async #inSlot<T extends Task>(task: T, slot: Release | undefined, work: () => Promise<T>): Promise<T> {
    let release = slot;
    if (!release) {
      const deadline = AbortSignal.timeout(Math.max(0, task.deadlineAt - Date.now()));
      try {
        release = await this.#admission.slot(AbortSignal.any([deadline, this.#stopping.signal]));
      } catch {
        if (this.#stopping.signal.aborted) {
          throw await this.#fail(
            task,
            new ServiceError(
              'UPSTREAM',
              'The server stopped before this generation reached Bing. Nothing was spent; submit it again.',
            ),
          );
        }
        throw await this.#fail(
          task,
          new ServiceError('TIMEOUT', 'The generation waited in the queue past its deadline.', {
            retryAfterSeconds: 10,
          }),
        );
      }
      await this.#record.change(task, { status: 'PROCESSING' });
    }
    try {
      return await work();
    } finally {
      release();
    }
  }

  #visible(task: Task, caller: Caller): boolean {
    return caller.owner === null || task.owner === caller.owner;
  }

  async #runImage(task: ImageTask, input: ImageInput): Promise<ImageTask> {
    const submitted = await this.#submit(task, () => this.#generations.submitImage(input, this.#watch(task)));
    return this.#waitImage(task, input, { ...submitted, deadlineAt: task.deadlineAt });
  }

  async #runVideo(task: VideoTask, input: VideoInput): Promise<VideoTask> {
    const submitted = await this.#submit(task, () => this.#generations.submitVideo(input, this.#watch(task)));
    await this.#waitVideo(task, input, { ...submitted, deadlineAt: this.#videoDeadline(task, submitted.mode) });
    return this.#record.current(task);
  }

  /** A checked source image; one given by URL is fetched (and checked) now. */
  #sourceImage(source: VideoImage | URL): Promise<VideoImage> {
    if (!(source instanceof URL)) return Promise.resolve(source);
    return imageFromUrl(source, this.#options.videoImage, this.#options.fetchImage, this.#stopping.signal);
  }

  #refuseWhenStopping(): void {
    if (this.#stopping.signal.aborted) {
      throw new ServiceError(
        'UPSTREAM',
        'The server is restarting and takes no new generations. Try again in a moment.',
        {
          retryAfterSeconds: 5,
        },
      );
    }
  }

  #newTask(deadlineMs: number, caller: Caller, slot: Release | undefined, prompt: string) {
    const now = Date.now();
    return {
      id: randomUUID(),
      prompt,
      bingRequestId: null,
      account: null,
      status: slot ? ('PROCESSING' as const) : ('QUEUED' as const),
      error: null,
      errorCode: null,
      createdAt: now,
      updatedAt: now,
      completedAt: null,
      deadlineAt: now + deadlineMs,
      owner: caller.owner,
    };
  }

  /** Records the failure; resolves with the error to throw. A store that fails too is logged, not thrown. */
  async #fail(task: Task, error: unknown): Promise<ServiceError> {
    const failure = ServiceError.from(error);
    if (failure.code === 'INTERNAL') this.#log.error({ err: error, taskId: task.id }, 'generation failed unexpectedly');
    else this.#log.info({ taskId: task.id, code: failure.code }, 'generation failed');
    try {
      await this.#record.change(task, { status: 'FAILED', error: failure.message, errorCode: failure.code });
    } catch (storeError) {
      // The store itself failing (a full disk, a lock held too long) must not take the server down with it.
      this.#log.error({ err: storeError, taskId: task.id }, 'could not record a failed generation');
    }
    return failure;
  }

  #watch(task: Task): GenerationWatch {
    return {
      signal: this.#stopping.signal,
      onEvent: (event: GenerationEvent) => {
        if (event.type === 'submitted' && 'requestId' in event) {
          const change: Partial<VideoTask> = { bingRequestId: event.requestId, account: event.account };
          if (task.kind === 'VIDEO' && event.mode) {
            change.mode = event.mode;
            change.deadlineAt = this.#videoDeadline(task, event.mode);
          }
          this.#record.change(task, change).catch((error: unknown) => {
            this.#log.error({ err: error, taskId: task.id }, 'could not record a submitted generation');
          });
        }
      },
    };
  }

  async #submit(task: Task, submit: () => Promise<Submitted>): Promise<Submitted> {
    try {
      return await submit();
    } catch (error) {
      throw this.#stopped(task, error) ?? (await this.#fail(task, error));
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

  async #waitImage(task: ImageTask, input: ImageInput, submitted: Resume): Promise<ImageTask> {
    try {
      const result = await this.#generations.waitForImage(input, submitted, this.#watch(task));
      return (await this.#record.change(task, {
        status: 'COMPLETED',
        images: result.images,
        revisedPrompt: result.revisedPrompt,
      })) as ImageTask;
    } catch (error) {
      throw this.#stopped(task, error) ?? (await this.#fail(task, error));
    }
  }

  /** A standard video waits as long as standard mode takes, counted from the request. */
  #videoDeadline(task: Task, mode: VideoMode | undefined): number {
    return mode === 'STANDARD'
      ? Math.max(task.deadlineAt, task.createdAt + this.#options.videoStandardDeadlineMs)
      : task.deadlineAt;
  }

  async #waitVideo(task: VideoTask, input: VideoInput, submitted: Resume): Promise<void> {
    try {
      const mode = submitted.mode ?? task.mode ?? input.mode;
      const result = await this.#generations.waitForVideo(input, { ...submitted, mode }, this.#watch(task));
      await this.#record.change(task, {
        status: 'COMPLETED',
        video: result.url,
        mode: result.mode,
        width: result.width,
        height: result.height,
        durationSeconds: result.durationSeconds,
      });
    } catch (error) {
      if (!this.#stopped(task, error)) await this.#fail(task, error);
    }
  }

  /** Waits again for a generation Bing is already running, found unfinished at start. */
  #resume(task: Task, submitted: Resume): void {
    this.#log.info({ taskId: task.id, kind: task.kind }, 'resuming generation');
    // Bing is already running it, so it takes a slot whatever the capacity, ahead of anything queued.
    const slot = this.#admission.resumedSlot();
    const wait: Promise<unknown> =
      task.kind === 'VIDEO'
        ? this.#waitVideo(
            task,
            { prompt: task.prompt, aspect: task.aspect },
            { ...submitted, mode: task.mode ?? 'FAST' },
          )
        : this.#waitImage(task, { prompt: task.prompt, model: task.model, aspect: task.aspect }, submitted);
    void this.#track(wait.catch(() => undefined).finally(slot));
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#running.add(work);
    const settle = () => this.#running.delete(work);
    work.then(settle, settle);
    return work;
  }
}
