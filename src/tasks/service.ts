/**
 * The service: owns every generation from request to result. It creates the task, drives the Bing
 * client, records each step in the store and publishes it. GraphQL and REST are views over this class.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { BingClient, GenerationEvent, Submitted } from '../bing/client.js';
import type { SessionState } from '../bing/accounts.js';
import { ServiceError, notFound } from './errors.js';
import type { TaskEvents } from './events.js';
import { parseImageInput, parseVideoInput, type ImageInput, type VideoInput } from './input.js';
import type { TaskPage, TaskPageQuery, TaskStore } from './store.js';
import { isTerminal, type Task, type TaskKind } from './task.js';

export interface TaskServiceOptions {
  imageDeadlineMs: number;
  videoDeadlineMs: number;
  maxPromptLength: number;
  ttlMs: number;
  maxTasks: number;
  sweepIntervalMs: number;
}

/** Who is asking: the owner recorded on new tasks and required on reads. */
export interface Caller {
  owner: string | null;
}

export interface Health {
  cookieSet: boolean;
  session: SessionState;
  activeTasks: number;
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
  #sweeper: NodeJS.Timeout | undefined;

  constructor(client: BingClient, store: TaskStore, events: TaskEvents, options: TaskServiceOptions, log: Logger) {
    this.#client = client;
    this.#store = store;
    this.#events = events;
    this.#options = options;
    this.#log = log;
  }

  /** Resumes what a previous run left unfinished, and starts the retention sweep. */
  start(): void {
    for (const task of this.#store.withStatus(['QUEUED', 'PROCESSING'])) this.#recover(task);
    this.sweep();
    this.#sweeper = setInterval(() => this.sweep(), this.#options.sweepIntervalMs);
    this.#sweeper.unref();
  }

  /** Stops every wait without failing its task; resolves when they have all let go. */
  async stop(): Promise<void> {
    clearInterval(this.#sweeper);
    this.#stopping.abort(new Error('The server is stopping.'));
    await Promise.allSettled([...this.#running]);
  }

  get stopping(): boolean {
    return this.#stopping.signal.aborted;
  }

  health(): Health {
    return {
      cookieSet: this.#client.cookieSet(),
      session: this.#client.session(),
      activeTasks: this.#store.countWithStatus(['QUEUED', 'PROCESSING']),
    };
  }

  getTask(id: string, caller: Caller): Task | undefined {
    const task = this.#store.get(id);
    return task && this.#visible(task, caller) ? task : undefined;
  }

  listTasks(query: Omit<TaskPageQuery, 'owner'>, caller: Caller): TaskPage {
    return this.#store.page({ ...query, owner: caller.owner ?? undefined });
  }

  /** The task's current state, then each change, ending after a terminal state. NOT_FOUND when unknown. */
  watch(id: string, caller: Caller, kind?: TaskKind): AsyncGenerator<Task> {
    const task = this.getTask(id, caller);
    if (!task || (kind && task.kind !== kind)) throw notFound();
    return this.#events.watch(id, () => this.#store.get(id));
  }

  /** Generates images and waits for them. The task is kept, so a caller that went away can read it later. */
  async createImage(raw: { query?: unknown; model?: unknown; aspect?: unknown }, caller: Caller): Promise<Task> {
    const input = parseImageInput(raw, this.#options.maxPromptLength);
    this.#refuseWhenStopping();
    const task = this.#newTask('IMAGE', input.prompt, input.model, input.aspect, this.#options.imageDeadlineMs, caller);
    return this.#track(this.#runImage(task, input));
  }

  /** Submits a video and returns its task as soon as Bing accepted it; the wait goes on in the background. */
  async createVideo(raw: { query?: unknown; aspect?: unknown }, caller: Caller): Promise<Task> {
    const input = parseVideoInput(raw, this.#options.maxPromptLength);
    this.#refuseWhenStopping();
    const task = this.#newTask('VIDEO', input.prompt, null, input.aspect, this.#options.videoDeadlineMs, caller);
    const submitted = await this.#track(this.#submit(task, () => this.#client.submitVideo(input, this.#watch(task))));
    const accepted = this.#store.get(task.id) ?? task;
    void this.#track(this.#waitVideo(accepted, input, submitted));
    return accepted;
  }

  /** Deletes finished tasks past their time to live, then keeps the store under its cap. */
  sweep(now = Date.now()): { expired: number; capped: number } {
    const expired = this.#store.deleteFinishedBefore(now - this.#options.ttlMs);
    const capped = this.#store.enforceCap(this.#options.maxTasks);
    if (expired + capped > 0) this.#log.info({ expired, capped }, 'swept finished tasks');
    return { expired, capped };
  }

  #visible(task: Task, caller: Caller): boolean {
    return caller.owner === null || task.owner === caller.owner;
  }

  #refuseWhenStopping(): void {
    if (this.stopping) {
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
      status: 'PROCESSING',
      images: [],
      video: null,
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
    this.#save(this.#store.get(task.id) ?? task, { status: 'FAILED', error: failure.message, errorCode: failure.code });
    return failure;
  }

  #watch(task: Task) {
    return {
      signal: this.#stopping.signal,
      onEvent: (event: GenerationEvent) => {
        if (event.type === 'submitted') {
          this.#save(this.#store.get(task.id) ?? task, { bingRequestId: event.requestId, account: event.account });
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
      const result = await this.#client.waitForVideo(input, { ...submitted, deadlineAt: task.deadlineAt }, this.#watch(task));
      this.#save(this.#store.get(task.id) ?? task, { status: 'COMPLETED', video: result.url });
    } catch (error) {
      if (!this.#stopped(task, error)) this.#fail(task, error);
    }
  }

  /** Picks up a task a previous run left unfinished. Never submits: without a Bing id it can only fail. */
  #recover(task: Task): void {
    if (!task.bingRequestId || !task.account) {
      this.#fail(
        task,
        new ServiceError('UPSTREAM', 'The server stopped before Bing accepted this generation. Nothing was created; submit it again.'),
      );
      return;
    }
    if (Date.now() >= task.deadlineAt) {
      this.#fail(task, new ServiceError('TIMEOUT', 'The generation passed its deadline while the server was down.'));
      return;
    }
    this.#log.info({ taskId: task.id, kind: task.kind }, 'resuming generation');
    const submitted = { requestId: task.bingRequestId, account: task.account, submittedAt: task.createdAt, deadlineAt: task.deadlineAt };
    if (task.kind === 'VIDEO') {
      const input = { prompt: task.prompt, aspect: task.aspect as VideoInput['aspect'] };
      void this.#track(this.#waitVideo(task, input, submitted));
    } else {
      const input = { prompt: task.prompt, model: task.model ?? 'DALLE', aspect: task.aspect as ImageInput['aspect'] };
      void this.#track(this.#waitImage(task, input, submitted).catch(() => undefined));
    }
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#running.add(work);
    const settle = () => this.#running.delete(work);
    work.then(settle, settle);
    return work;
  }
}

