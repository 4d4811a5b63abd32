/**
 * Generations as BullMQ jobs, one per task (the job id is the task id). The queue's global concurrency is the
 * cluster's Bing slots, so no more generations run at once than the accounts allow, whichever instances run
 * them. A job holds the Bing request id from the moment Bing accepted the submit; when its instance dies, its
 * lock lapses, BullMQ's stalled check hands it to another worker, and that worker resumes from the saved id.
 */
import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Attempt, GenerationQueue, RunAttempt, Work } from '../tasks/queue.js';
import { ClusterLimits, unavailable, type SharedLimits } from './limits.js';
import { redisMessage } from './redis.js';
import { ClusterSubscriptions } from './subscriptions.js';

export interface JobData extends Work {
  submitBegun?: boolean;
  requestId?: string;
  account?: string;
}

export interface JobsOptions {
  prefix: string;
  limits: SharedLimits;
  /** How long a job stays locked to an instance that stopped renewing it, before another takes it over. */
  lockMs: number;
  log: Logger;
}

const QUEUE = 'generations';
const HAND_BACK_DELAY_MS = 500;
const CLOSE_DEADLINE_MS = 5_000;

export class ClusterJobs implements GenerationQueue {
  readonly #commands: Redis;
  readonly #waiting: Redis;
  readonly #options: JobsOptions;
  readonly #limits: ClusterLimits;
  readonly #subscriptions: ClusterSubscriptions;
  /** Opened once the connection is ready (BullMQ's set-up fails for good on a connection that is not). */
  #queue: Promise<Queue<JobData>> | undefined;
  #worker: Worker<JobData> | undefined;
  /** The running attempts' stop switches: a stop hands each job back. */
  readonly #running = new Set<AbortController>();

  /** `commands` fails fast (admission, queueing); `waiting` outlasts an outage (the worker's connection). */
  constructor(commands: Redis, waiting: Redis, options: JobsOptions) {
    this.#commands = commands;
    this.#waiting = waiting;
    this.#options = options;
    this.#limits = new ClusterLimits(commands, options.prefix, options.limits);
    this.#subscriptions = new ClusterSubscriptions(commands, options.prefix, options.limits.subscriptionsPerKey);
  }

  /** The queue, opened on first use; UNAVAILABLE while Redis cannot be reached. */
  #open(): Promise<Queue<JobData>> {
    if (this.#commands.status !== 'ready')
      return Promise.reject(unavailable(new Error(`Redis connection ${this.#commands.status}`)));
    this.#queue ??= (async () => {
      const queue = new Queue<JobData>(QUEUE, { connection: this.#commands, prefix: this.#options.prefix });
      // The connections report an outage once; this repeats it on every retry, so it stays at debug.
      queue.on('error', (error) =>
        this.#options.log.debug({ error: redisMessage(error) }, 'generation queue: Redis error'),
      );
      try {
        await queue.waitUntilReady();
        // Kept in Redis for every instance; set by each, so a changed BING_MAX_IN_FLIGHT takes effect.
        await queue.setGlobalConcurrency(this.#options.limits.inFlight);
        return queue;
      } catch (error) {
        this.#queue = undefined;
        await queue.close().catch(() => undefined);
        throw unavailable(error);
      }
    })();
    return this.#queue;
  }

  admit(work: Work, deadlineAt: number): Promise<{ slotFree: boolean }> {
    return this.#limits.admit(work.client, work.taskId, deadlineAt);
  }

  async enqueue(work: Work): Promise<void> {
    try {
      const queue = await this.#open();
      // A job id is taken until its job is removed: one that failed for good would swallow a requeue.
      const old = await queue.getJob(work.taskId);
      if (old && (await old.isFailed())) await old.remove();
      await queue.add(
        'generate',
        { taskId: work.taskId, client: work.client, ...(work.imageBase64 ? { imageBase64: work.imageBase64 } : {}) },
        {
          jobId: work.taskId,
          removeOnComplete: true,
          removeOnFail: { count: 1_000 },
          attempts: 5,
          backoff: { type: 'exponential', delay: 1_000 },
        },
      );
    } catch (error) {
      throw unavailable(error);
    }
  }

  holdSubscription(client: string): Promise<() => void> {
    return this.#subscriptions.hold(client);
  }

  async has(taskId: string): Promise<boolean> {
    const job = await (await this.#open()).getJob(taskId);
    if (!job) return false;
    const state = await job.getState();
    return state !== 'completed' && state !== 'failed' && state !== 'unknown';
  }

  async withdraw(work: Work): Promise<boolean> {
    try {
      const queue = await this.#open();
      const job = await queue.getJob(work.taskId);
      if (!job) return false;
      const state = await job.getState();
      if (state !== 'waiting' && state !== 'prioritized' && state !== 'delayed') return false;
      // Refused (0) when a worker locked it between the two reads.
      return (await queue.remove(work.taskId)) === 1;
    } catch {
      return false;
    }
  }

  async finished(work: Work): Promise<void> {
    try {
      await this.#limits.release(work.client, work.taskId);
    } catch (error) {
      // The lease lapses at the task's deadline anyway.
      this.#options.log.warn(
        { taskId: work.taskId, error: redisMessage(error) },
        'could not release a generation lease',
      );
    }
  }

  async start(run: RunAttempt): Promise<void> {
    const { inFlight } = this.#options.limits;
    try {
      await this.#open();
    } catch (error) {
      // Redis is away at start: the worker waits for it, and the next start sets it.
      this.#options.log.warn({ error: redisMessage(error) }, 'could not set the cluster-wide generation limit yet');
    }
    const worker = new Worker<JobData>(QUEUE, (job, token) => this.#process(job, token, run), {
      connection: this.#waiting,
      prefix: this.#options.prefix,
      concurrency: inFlight,
      lockDuration: this.#options.lockMs,
      stalledInterval: Math.max(1_000, Math.round(this.#options.lockMs / 2)),
      // A job is resumed after each takeover; its deadline, not a count, ends it.
      maxStalledCount: 1_000,
      // The idle worker's long poll, in seconds: a job the stalled check moved back is seen within it.
      drainDelay: Math.min(5, Math.max(1, Math.round(this.#options.lockMs / 2_000))),
      autorun: true,
    });
    worker.on('error', (error) =>
      this.#options.log.debug({ error: redisMessage(error) }, 'generation worker: Redis error'),
    );
    this.#worker = worker;
  }

  async #process(job: Job<JobData>, token: string | undefined, run: RunAttempt): Promise<void> {
    const stop = new AbortController();
    this.#running.add(stop);
    const data = job.data;
    const attempt: Attempt = {
      signal: stop.signal,
      requestId: data.requestId ?? null,
      account: data.account ?? null,
      submitBegun: data.submitBegun === true,
      // A begun submit is never sent again, so the source image is no longer needed in Redis.
      submitting: () => job.updateData({ ...job.data, submitBegun: true, imageBase64: undefined }),
      submitted: (requestId, account) => job.updateData({ ...job.data, requestId, account }),
    };
    let failure: unknown;
    try {
      await run({ taskId: data.taskId, client: data.client, imageBase64: data.imageBase64 }, attempt);
    } catch (error) {
      failure = error;
    } finally {
      this.#running.delete(stop);
    }
    if (stop.signal.aborted && token) {
      // Handed back: another instance's worker (or this one after a restart) resumes it. Due in a moment
      // rather than at once, so that a fetch this closing worker still has in flight cannot take it again.
      await job.moveToDelayed(Date.now() + HAND_BACK_DELAY_MS, token);
      throw new DelayedError();
    }
    // The service records a generation's own failures on its task; what reaches here (the store away) is
    // retried by BullMQ, and the retry resumes or ends the task without submitting again.
    if (failure !== undefined) throw failure;
  }

  async stop(): Promise<void> {
    this.#subscriptions.close();
    const worker = this.#worker;
    this.#worker = undefined;
    const closing = (async () => {
      const closed = worker?.close();
      for (const stop of this.#running) stop.abort(new Error('The server is stopping.'));
      await closed;
      const queue = await this.#queue?.catch(() => undefined);
      await queue?.close();
    })();
    // A worker without Redis cannot hand its jobs back: their locks lapse, and another instance takes them.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), CLOSE_DEADLINE_MS)));
    if ((await Promise.race([closing.catch(() => undefined), late])) === 'late') {
      this.#options.log.warn('the generation worker could not hand its jobs back in time; their locks will lapse');
      void worker?.close(true).catch(() => undefined);
    }
    clearTimeout(timer);
  }

  async lead(chore: string, periodMs: number): Promise<boolean> {
    try {
      const won = await this.#commands.set(
        `${this.#options.prefix}:lead:${chore}`,
        String(process.pid),
        'PX',
        periodMs,
        'NX',
      );
      return won === 'OK';
    } catch {
      return false;
    }
  }
}
