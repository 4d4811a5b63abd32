/**
 * Generations in flight on the Bing account(s): a few at a time, the rest wait in a bounded FIFO queue.
 * A waiter leaves the queue when its signal aborts (deadline, server stop), so nothing waits forever.
 */
export type Release = () => void;

export class Slots {
  readonly #capacity: number;
  readonly #queueMax: number;
  #used = 0;
  readonly #queue: Array<{ grant: (release: Release) => void }> = [];

  constructor(capacity: number, queueMax: number) {
    this.#capacity = capacity;
    this.#queueMax = queueMax;
  }

  /** A slot now, or undefined when all are taken. */
  tryAcquire(): Release | undefined {
    if (this.#used >= this.#capacity) return undefined;
    this.#used += 1;
    return this.#release();
  }

  /** Whether a caller could wait for a slot, i.e. the queue has room. */
  canQueue(): boolean {
    return this.#queue.length < this.#queueMax;
  }

  /** Waits for a slot in turn. Rejects with the signal's reason when it aborts first. */
  acquire(signal: AbortSignal): Promise<Release> {
    const now = this.tryAcquire();
    if (now) return Promise.resolve(now);
    return new Promise<Release>((resolve, reject) => {
      const waiter = {
        grant: (release: Release) => {
          signal.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      const onAbort = () => {
        const index = this.#queue.indexOf(waiter);
        if (index >= 0) this.#queue.splice(index, 1);
        reject(signal.reason);
      };
      if (signal.aborted) return reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(waiter);
    });
  }

  /** Generations waiting in turn for a slot. */
  get waiting(): number {
    return this.#queue.length;
  }

  /** A slot whatever the capacity: for generations resumed at start, which Bing is already running. */
  force(): Release {
    this.#used += 1;
    return this.#release();
  }

  #release(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#queue.shift();
      if (next) next.grant(this.#release());
      else this.#used -= 1;
    };
  }
}
