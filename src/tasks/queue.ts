/**
 * The port through which generations leave this process: the limits they pass and the queue they wait in are
 * shared by every instance, and any instance's worker may run them (cluster mode). Without one, the service
 * runs every generation in process, as a single server does.
 */

/** A generation handed to the queue: its task, and the caller its limits count against. */
export interface Work {
  taskId: string;
  client: string;
  /** Image-to-video: the source image (base64), which the task does not hold; kept until the submit begins. */
  imageBase64?: string | undefined;
}

/** One attempt at a generation. What it saves outlives the instance, so that a taker-over never submits twice. */
export interface Attempt {
  /** Aborts when this instance stops: leave the task as it is; the queue hands it to another instance. */
  readonly signal: AbortSignal;
  /** Bing's id and account, when an earlier attempt saw the submit accepted. */
  readonly requestId: string | null;
  readonly account: string | null;
  /** An earlier attempt began a submit it did not see accepted: Bing may have it, so it must not be sent again. */
  readonly submitBegun: boolean;
  /** Records that a submit begins; resolves once that is durable. */
  submitting(): Promise<void>;
  /** Records Bing's id as soon as it accepted the submit. */
  submitted(requestId: string, account: string): Promise<void>;
}

export type RunAttempt = (work: Work, attempt: Attempt) => Promise<void>;

export interface GenerationQueue {
  /**
   * Admits a generation against the shared limits, or throws RATE_LIMITED, or UNAVAILABLE when the queue
   * cannot be reached. `slotFree`: a Bing slot was free, so the generation starts at once.
   */
  admit(work: Work, deadlineAt: number): Promise<{ slotFree: boolean }>;
  /**
   * Holds one of the caller's subscriptions against the shared per-key limit, or throws RATE_LIMITED, or
   * UNAVAILABLE when the limit cannot be reached. The release is called once, when the subscription ends.
   */
  holdSubscription(client: string): Promise<() => void>;
  /** Queues an admitted generation; resolves once it is durably queued. */
  enqueue(work: Work): Promise<void>;
  /** Whether the generation has a job that is waiting or running. */
  has(taskId: string): Promise<boolean>;
  /** Removes a generation that no worker has taken yet; false when one has (or it is gone). */
  withdraw(work: Work): Promise<boolean>;
  /** Ends what `admit` held; called once, by whichever instance saw the task end. */
  finished(work: Work): Promise<void>;
  /** Starts this instance's worker, which calls `run` for each generation it takes. */
  start(run: RunAttempt): Promise<void>;
  /** Hands this instance's running generations back to the queue and stops taking new ones. */
  stop(): Promise<void>;
  /** Whether this instance should run a cluster-wide chore (the retention sweep) now; at most one per period. */
  lead(chore: string, periodMs: number): Promise<boolean>;
}
