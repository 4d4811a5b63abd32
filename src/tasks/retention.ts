/** Finished tasks are kept for a time (TASK_TTL) and up to a number (TASK_MAX); a sweep enforces both. */
import type { Logger } from 'pino';
import type { TaskStore } from './store.js';

export interface RetentionOptions {
  ttlMs: number;
  maxTasks: number;
  sweepIntervalMs: number;
}

export class Retention {
  readonly #store: TaskStore;
  readonly #options: RetentionOptions;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;

  constructor(store: TaskStore, options: RetentionOptions, log: Logger) {
    this.#store = store;
    this.#options = options;
    this.#log = log;
  }

  /** Deletes finished tasks past their time to live, then keeps the store under its cap. */
  async sweep(now = Date.now()): Promise<{ expired: number; capped: number }> {
    const expired = await this.#store.deleteFinishedBefore(now - this.#options.ttlMs);
    const capped = await this.#store.enforceCap(this.#options.maxTasks);
    if (expired + capped > 0) this.#log.info({ expired, capped }, 'swept finished tasks');
    return { expired, capped };
  }

  /** Sweeps now and then every interval. */
  start(): void {
    void this.#sweepOrLog();
    this.#timer = setInterval(() => void this.#sweepOrLog(), this.#options.sweepIntervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** A store that fails a sweep (a lock held too long, a full disk) must not take the server down. */
  async #sweepOrLog(): Promise<void> {
    try {
      await this.sweep();
    } catch (error) {
      this.#log.error({ err: error }, 'sweeping finished tasks failed; the next sweep tries again');
    }
  }
}
