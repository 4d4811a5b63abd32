/**
 * The media mirror (MEDIA_MIRROR): when a task completes, each of its images or its video is downloaded
 * once into the media directory under the SHA-256 of its bytes, and the index records whose it is. A
 * download that fails is tried again a bounded number of times with a growing wait; the task keeps its
 * Bing URLs meanwhile and is never failed by the mirror. The total size is kept under its cap by deleting
 * the oldest files. `stop` aborts the downloads in flight and every pending retry.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { Logger } from '../log.js';
import type { TaskEvents } from '../tasks/events.js';
import {
  type FetchedMedia,
  type FetchMedia,
  type MediaIndex,
  type MediaLinks,
  mediaSources,
  mirrorableUrl,
} from '../tasks/media.js';
import type { Task } from '../tasks/task.js';
import { evictions } from './eviction.js';
import { MediaFiles } from './files.js';
import { extensionOf, mediaPath } from './types.js';

export interface MirrorOptions {
  dir: string;
  maxFileBytes: number;
  maxTotalBytes: number;
  fetchTimeoutMs: number;
  /** Tries after the first, per task. */
  retries: number;
  /** The wait before the first retry; it doubles for each one after, up to `maxRetryWaitMs`. */
  retryBaseMs: number;
  maxRetryWaitMs: number;
  /** Tasks mirrored at once. */
  concurrency: number;
  /** How far back the catch-up at start looks: older tasks' Bing URLs may have expired anyway. */
  catchUpMs: number;
  /** The Bing origin: its URLs may be fetched beside Bing's own hosts. */
  origin: string;
}

/** How a source's download ended: kept, to be tried again, or not worth trying again. */
type Outcome = { kept: string } | { retry: string } | { skip: string };

export class MediaMirror implements MediaLinks {
  readonly files: MediaFiles;
  readonly #options: MirrorOptions;
  readonly #index: MediaIndex;
  readonly #fetch: FetchMedia;
  readonly #log: Logger;
  readonly #stopping = new AbortController();
  /** Tasks being mirrored or waiting for a retry: a second completion event of one is not a second download. */
  readonly #tasks = new Set<string>();
  readonly #retries = new Map<string, NodeJS.Timeout>();
  readonly #running = new Set<Promise<void>>();
  readonly #waiting: Array<() => void> = [];
  #active = 0;

  constructor(options: MirrorOptions, index: MediaIndex, fetch: FetchMedia, log: Logger) {
    this.#options = options;
    this.#index = index;
    this.#fetch = fetch;
    this.#log = log;
    this.files = new MediaFiles(options.dir);
  }

  /**
   * Reads what is on disk, then mirrors what `recent` lists (the newest completed tasks): what a stop
   * interrupted, or what completed while the mirror was off, is caught up from its Bing URLs.
   */
  async start(recent?: () => Promise<Task[]>): Promise<void> {
    await this.files.open();
    const since = Date.now() - this.#options.catchUpMs;
    for (const task of (await recent?.()) ?? []) {
      if (task.status === 'COMPLETED' && (task.completedAt ?? 0) >= since) this.mirror(task);
    }
  }

  /** `events` as they are, plus a mirror of every task whose COMPLETED state is published. */
  watching(events: TaskEvents): TaskEvents {
    return {
      publish: async (task) => {
        await events.publish(task);
        if (task.status === 'COMPLETED') this.mirror(task);
      },
      subscribe: (id) => events.subscribe(id),
      close: () => events.close(),
    };
  }

  /** Starts mirroring a completed task's media, unless it is already under way. */
  mirror(task: Task): void {
    if (this.#stopping.signal.aborted || this.#tasks.has(task.id) || mediaSources(task).length === 0) return;
    this.#tasks.add(task.id);
    this.#schedule(task, 0);
  }

  async mirrorsOf(task: Task): Promise<Array<string | null>> {
    const sources = mediaSources(task);
    if (sources.length === 0) return [];
    const names = await this.#index.ofTask(task.id);
    return sources.map((source) => {
      const name = names.get(source);
      return name !== undefined && this.files.has(name) ? mediaPath(name) : null;
    });
  }

  /** Whether `owner` may read the stored file (keys on); without keys every stored file is public. */
  async readable(name: string, owner: string | null): Promise<boolean> {
    if (!this.files.has(name)) return false;
    return owner === null || this.#index.ownedBy(name, owner);
  }

  /** Aborts the downloads in flight (their temporary files are deleted) and cancels every pending retry. */
  async stop(): Promise<void> {
    this.#stopping.abort(new Error('The server is stopping.'));
    for (const timer of this.#retries.values()) clearTimeout(timer);
    this.#retries.clear();
    for (const wake of this.#waiting.splice(0)) wake();
    await Promise.allSettled([...this.#running]);
  }

  #schedule(task: Task, attempt: number): void {
    const run = this.#attempt(task, attempt).catch((error: unknown) => {
      this.#log.error({ err: error, taskId: task.id }, 'media mirror failed unexpectedly');
      this.#tasks.delete(task.id);
    });
    this.#running.add(run);
    void run.finally(() => this.#running.delete(run));
  }

  async #attempt(task: Task, attempt: number): Promise<void> {
    await this.#turn();
    let outcomes: Outcome[];
    try {
      if (this.#stopping.signal.aborted) return;
      const done = await this.#index.ofTask(task.id);
      outcomes = [];
      for (const source of mediaSources(task)) {
        if (this.#stopping.signal.aborted) return;
        const name = done.get(source);
        if (name !== undefined && this.files.has(name)) continue;
        outcomes.push(await this.#mirrorOne(task, source));
      }
    } finally {
      this.#active -= 1;
      this.#waiting.shift()?.();
    }
    if (this.#stopping.signal.aborted) return;
    for (const outcome of outcomes) {
      if ('skip' in outcome) this.#log.info({ taskId: task.id, reason: outcome.skip }, 'media mirror skipped a file');
    }
    const failed = outcomes.filter((outcome): outcome is { retry: string } => 'retry' in outcome);
    if (failed.length === 0 || attempt >= this.#options.retries) {
      if (failed.length > 0) {
        this.#log.warn(
          { taskId: task.id, tries: attempt + 1, reason: failed[0]!.retry },
          'media mirror gave up; the task keeps its Bing URLs',
        );
      }
      this.#tasks.delete(task.id);
      return;
    }
    const wait = Math.min(this.#options.maxRetryWaitMs, this.#options.retryBaseMs * 2 ** attempt);
    this.#log.info(
      { taskId: task.id, try: attempt + 1, reason: failed[0]!.retry, waitMs: wait },
      'media mirror retries',
    );
    const timer = setTimeout(() => {
      this.#retries.delete(task.id);
      this.#schedule(task, attempt + 1);
    }, wait);
    timer.unref();
    this.#retries.set(task.id, timer);
  }

  /** Waits for one of the `concurrency` download slots. */
  async #turn(): Promise<void> {
    while (this.#active >= this.#options.concurrency && !this.#stopping.signal.aborted) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    this.#active += 1;
  }

  async #mirrorOne(task: Task, source: string): Promise<Outcome> {
    const url = mirrorableUrl(source, this.#options.origin);
    if (!url) return { skip: 'not a Bing media URL' };
    const downloaded = await this.#download(url);
    if (!('kept' in downloaded)) return downloaded;
    const name = downloaded.kept;
    await this.#index.add({ name, taskId: task.id, owner: task.owner, source });
    for (const old of evictions(this.files.list(), this.#options.maxTotalBytes, name)) {
      await this.files.remove(old);
      await this.#index.forget(old);
      this.#log.info({ name: old }, 'media mirror evicted the oldest file');
    }
    this.#log.debug({ taskId: task.id, name }, 'media mirrored');
    return downloaded;
  }

  async #download(url: URL): Promise<Outcome> {
    const temp = this.files.tempPath();
    const file = await open(temp, 'w');
    const hash = createHash('sha256');
    let extension: string | undefined;
    let bytes = 0;
    let fetched: FetchedMedia | undefined;
    try {
      fetched = await this.#fetch(
        url,
        { maxBytes: this.#options.maxFileBytes, timeoutMs: this.#options.fetchTimeoutMs },
        {
          accepts: (type) => {
            extension = extensionOf(type);
            return extension !== undefined;
          },
          write: async (chunk) => {
            hash.update(chunk);
            bytes += chunk.length;
            await file.write(chunk);
          },
        },
        this.#stopping.signal,
      );
    } catch {
      // Aborted by the stop.
    } finally {
      await file.close();
    }
    if (fetched?.outcome !== 'ok' || extension === undefined || bytes === 0) {
      await this.files.discard(temp);
      return failure(fetched, bytes);
    }
    const name = `${hash.digest('hex')}.${extension}`;
    await this.files.keep(temp, name, bytes);
    return { kept: name };
  }
}

function failure(fetched: FetchedMedia | undefined, bytes: number): Outcome {
  switch (fetched?.outcome) {
    case undefined:
      return { skip: 'stopped' };
    case 'ok':
      return bytes === 0 ? { retry: 'empty answer' } : { skip: `content type ${fetched.contentType}` };
    case 'status':
      return { retry: `HTTP ${fetched.status}` };
    case 'unsupported':
      return { skip: `content type ${fetched.contentType || 'missing'}` };
    case 'too-large':
      return { skip: 'larger than MEDIA_MAX_FILE_BYTES' };
    case 'timeout':
      return { retry: 'MEDIA_FETCH_TIMEOUT passed' };
    case 'unreachable':
      return { retry: 'unreachable' };
  }
}
