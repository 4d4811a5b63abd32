/**
 * The gallery: one card per task, newest first, updated in place. Tasks still running are followed over
 * the WebSocket until they finish; a card shows the images or the video, the progress, or the error.
 */
import type { Api, ApiError } from './api.js';
import { imageSource, type Task, TASK_UPDATES, VIDEO_UPDATES, type VideoTask, videoSource } from './documents.js';
import { aspectName, duration, errorInWords, modelName } from './words.js';

const ACTIVE = new Set(['QUEUED', 'PROCESSING']);

const isActive = (task: Task): boolean => ACTIVE.has(task.status);

/** Only the web's URLs (and the server's own paths) go into src attributes. */
function safeUrl(raw: string | null | undefined): string | null {
  if (!raw) return null;
  try {
    const url = new URL(raw, location.href);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

interface Card {
  root: HTMLElement;
  media: HTMLElement;
  progress: HTMLElement;
  bar: HTMLProgressElement;
  progressText: HTMLElement;
  error: HTMLElement;
  prompt: HTMLElement;
  meta: HTMLElement;
  /** What the media element currently shows, so that an update does not reload it. */
  shown: string;
  task: Task | null;
  /** When a card without a task yet (an image being made) started. */
  since: number;
  live: string | null;
}

function newCard(): Card {
  const root = element('article', 'task');
  const media = element('div', 'media');
  const progress = element('div', 'progress');
  const bar = element('progress');
  const progressText = element('span', 'progress-text');
  progress.append(bar, progressText);
  const error = element('p', 'error');
  error.setAttribute('role', 'alert');
  const prompt = element('p', 'prompt');
  const meta = element('p', 'meta');
  root.append(media, progress, error, prompt, meta);
  return { root, media, progress, bar, progressText, error, prompt, meta, shown: '', task: null, since: 0, live: null };
}

function progressWords(task: Task, live: string | null): string {
  const kind = task.kind === 'VIDEO' ? 'video' : 'images';
  const mode = task.kind === 'VIDEO' && task.mode ? ` (${task.mode.toLowerCase()} mode)` : '';
  const state =
    task.status === 'QUEUED' ? 'Waiting for a free slot on the Bing account' : `Bing is making the ${kind}${mode}`;
  return `${state} · ${duration(Date.now() - Date.parse(task.createdAt))}${live ? ` · ${live}` : ''}`;
}

function videoMeta(task: VideoTask): string[] {
  const parts: string[] = [];
  if (task.durationSeconds) parts.push(`${task.durationSeconds} s`);
  if (task.width && task.height) parts.push(`${task.width}×${task.height}`);
  return parts;
}

export class Gallery {
  readonly #root: HTMLElement;
  readonly #api: Api;
  readonly #cards = new Map<string, Card>();
  readonly #following = new Map<string, () => void>();
  #ticker: ReturnType<typeof setInterval> | undefined;

  constructor(root: HTMLElement, api: Api) {
    this.#root = root;
    this.#api = api;
  }

  get size(): number {
    return this.#cards.size;
  }

  /** Empties the gallery and ends every subscription (a new key sees other tasks). */
  clear(): void {
    for (const stop of this.#following.values()) stop();
    this.#following.clear();
    this.#cards.clear();
    this.#root.replaceChildren();
    this.#schedule();
  }

  /** Tasks of a later page, after the cards already shown. */
  append(tasks: readonly Task[]): void {
    for (const task of tasks) {
      if (this.#cards.has(task.id)) this.#update(task);
      else this.#root.append(this.#add(task).root);
    }
    this.#schedule();
  }

  /** The newest tasks: those not shown yet go first, in their order; the others are updated in place. */
  merge(tasks: readonly Task[]): void {
    let first = this.#root.firstElementChild;
    for (const task of tasks) {
      if (this.#cards.has(task.id)) {
        this.#update(task);
        continue;
      }
      const card = this.#add(task);
      this.#root.insertBefore(card.root, first);
      first = card.root.nextElementSibling;
    }
    this.#schedule();
  }

  /** A card for an image generation the server is still working on (its task id comes with the result). */
  pending(prompt: string, model: string, aspect: string): () => void {
    const card = newCard();
    card.since = Date.now();
    card.root.dataset['status'] = 'PENDING';
    card.root.dataset['kind'] = 'IMAGE';
    card.root.classList.add('pending');
    card.prompt.textContent = prompt;
    card.meta.textContent = `Image · ${modelName(model)} · ${aspectName(aspect)}`;
    card.error.hidden = true;
    this.#root.prepend(card.root);
    const tick = () => {
      card.progressText.textContent = `Bing is making the images · ${duration(Date.now() - card.since)}`;
    };
    tick();
    const timer = setInterval(tick, 1000);
    return () => {
      clearInterval(timer);
      card.root.remove();
    };
  }

  #add(task: Task): Card {
    const card = newCard();
    this.#cards.set(task.id, card);
    this.#render(card, task);
    this.#follow(task);
    return card;
  }

  #update(task: Task): void {
    const card = this.#cards.get(task.id);
    if (!card) return;
    this.#render(card, task);
    this.#follow(task);
  }

  #render(card: Card, task: Task): void {
    card.task = task;
    const { root } = card;
    root.dataset['id'] = task.id;
    root.dataset['kind'] = task.kind;
    root.dataset['status'] = task.status;
    card.prompt.textContent = task.kind === 'IMAGE' && task.revisedPrompt ? task.revisedPrompt : task.prompt;
    card.prompt.title = task.prompt;

    const meta =
      task.kind === 'IMAGE'
        ? ['Image', modelName(task.model), aspectName(task.aspect)]
        : [
            'Video',
            aspectName(task.videoAspect),
            ...(task.mode ? [`${task.mode.toLowerCase()} mode`] : []),
            ...videoMeta(task),
          ];
    if (task.completedAt) meta.push(`took ${duration(Date.parse(task.completedAt) - Date.parse(task.createdAt))}`);
    card.meta.textContent = meta.join(' · ');

    const active = isActive(task);
    card.progress.hidden = !active;
    if (active) card.progressText.textContent = progressWords(task, card.live);
    else card.bar.value = card.bar.max = 1;

    const failed = task.status === 'FAILED';
    card.error.hidden = !failed;
    card.error.textContent = failed ? errorInWords(task.errorCode, task.error) : '';

    this.#showMedia(card, task);
  }

  #showMedia(card: Card, task: Task): void {
    const sources =
      task.status !== 'COMPLETED'
        ? []
        : task.kind === 'IMAGE'
          ? task.images.map((image) => safeUrl(imageSource(image)))
          : [safeUrl(videoSource(task))];
    const wanted = sources.filter((url): url is string => url !== null);
    const key = `${task.kind}:${wanted.join(' ')}`;
    if (card.shown === key) return;
    card.shown = key;
    card.media.replaceChildren();
    card.media.dataset['count'] = String(wanted.length);
    if (task.kind === 'VIDEO') {
      const url = wanted[0];
      if (!url) return;
      const video = element('video');
      Object.assign(video, { src: url, controls: true, muted: true, autoplay: true, loop: true, playsInline: true });
      video.preload = 'auto';
      video.addEventListener('error', () => this.#gone(card, 'The video is no longer available from Bing.'));
      card.media.append(video);
      return;
    }
    wanted.forEach((url, index) => {
      const link = element('a');
      link.href = url;
      link.target = '_blank';
      link.rel = 'noopener noreferrer';
      const img = element('img');
      img.alt = `Image ${index + 1} of ${wanted.length}: ${task.prompt}`;
      img.decoding = 'async';
      img.referrerPolicy = 'no-referrer';
      img.addEventListener('error', () => this.#gone(card, 'An image is no longer available from Bing.'));
      img.src = url;
      link.append(img);
      card.media.append(link);
    });
  }

  #gone(card: Card, words: string): void {
    card.error.hidden = false;
    card.error.textContent = words;
  }

  /** Follows a running task until it finishes: videos with videoTaskUpdated, images with taskUpdated. */
  #follow(task: Task): void {
    const following = this.#following.get(task.id);
    if (!isActive(task)) {
      following?.();
      this.#following.delete(task.id);
      return;
    }
    if (following) return;
    const document = task.kind === 'VIDEO' ? VIDEO_UPDATES : TASK_UPDATES;
    const stop = this.#api.subscribe<{ videoTaskUpdated?: Task; taskUpdated?: Task }>(
      document,
      { id: task.id },
      {
        next: (data) => {
          const update = data.videoTaskUpdated ?? data.taskUpdated;
          if (update) this.#update(update);
        },
        error: (error: ApiError) => {
          this.#following.delete(task.id);
          const card = this.#cards.get(task.id);
          if (card) {
            card.live = `live updates stopped: ${errorInWords(error.code, error.message)}`;
            if (card.task) this.#render(card, card.task);
          }
        },
        complete: () => this.#following.delete(task.id),
      },
    );
    this.#following.set(task.id, stop);
  }

  /** One ticker for the elapsed times of running tasks, stopped when none runs. */
  #schedule(): void {
    const running = [...this.#cards.values()].some((card) => card.task && isActive(card.task));
    if (running && !this.#ticker) {
      this.#ticker = setInterval(() => {
        let any = false;
        for (const card of this.#cards.values()) {
          if (card.task && isActive(card.task)) {
            any = true;
            card.progressText.textContent = progressWords(card.task, card.live);
          }
        }
        if (!any) {
          clearInterval(this.#ticker);
          this.#ticker = undefined;
        }
      }, 1000);
    }
  }
}
