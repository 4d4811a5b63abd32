/**
 * A video generation on one account, as Bing's video creator wants it: the warm-up page (IG, IID, the
 * fast creations left), the image upload, the submit in the chosen mode with the one repeat on a 200,
 * and each poll with the detail call and the fallback page. The client owns accounts, cookies and the
 * poll loop; this file owns what is sent and how each answer is read.
 */
import { FormData } from 'undici';
import { BingError } from './errors.js';
import type { BingRequest, BingResponse } from './http.js';
import { classifyRejection } from './parse.js';
import {
  VIDEO_SUBMIT_FORMS,
  isVideoRequestId,
  sidFromSs,
  videoCountUrl,
  videoDetailUrl,
  videoFallbackPollUrl,
  videoPollUrl,
  videoSubmitRequest,
  videoUploadUrl,
  videoWarmUpUrl,
  type VideoMode,
  type VideoPoll,
  type VideoWireAspect,
} from './video-protocol.js';
import {
  classifyVideoText,
  parseUpload,
  parseVideoAnswer,
  parseVideoDetail,
  parseVideoPage,
  requestIdInBody,
  type VideoAnswer,
  type VideoFile,
} from './video-parse.js';

/** One request on the account's behalf; the client adds the cookie. */
export type VideoSend = (request: Omit<BingRequest, 'cookie'>) => Promise<BingResponse>;

/** What the video pages told of one account. */
export interface VideoAccountState {
  ig: string | null;
  iid: string | null;
  /** From the `_SS` cookie (the configured set, or one Bing set): the upload's `sid`. */
  sid: string | null;
  /** Free fast creations left; null when no page said. */
  fastLeft: number | null;
  /** When the warm-up page was last read. */
  warmedAt: number | null;
}

export interface VideoSubmitRequest {
  prompt: string;
  aspect: VideoWireAspect;
  /** Absent: fast while fast creations remain, standard otherwise. */
  mode?: VideoMode | undefined;
  /** The source image, base64, for image-to-video. */
  imageBase64?: string | undefined;
}

export interface VideoSubmitted {
  requestId: string;
  mode: VideoMode;
  location: string | null;
}

export interface VideoSessionOptions {
  origin: string;
  /** How long a warm-up page's values are trusted before it is loaded again. */
  warmUpTtlMs: number;
  /** Counts every POST that may create a generation. */
  onSubmit?: () => void;
}

export type VideoPollResult = { state: 'pending' } | { state: 'done'; value: VideoFile };

/** Which results path a generation's polls use: its mode's, or the other one after a 404 there. */
export interface VideoPollTarget extends VideoPoll {
  path?: 'generator' | 'create';
}

export function fastExhausted(): BingError {
  return new BingError(
    'RATE_LIMITED',
    'This Bing account has no fast video creations left. Standard mode is still open: ask for mode STANDARD (slower, and it spends nothing).',
    { retryAfterSeconds: 3600 },
  );
}

function requestIdFrom(location: string | null, origin: string): string | null {
  if (!location) return null;
  try {
    const id = new URL(location, origin).searchParams.get('id');
    return id && /^[\w.-]{1,200}$/.test(id) ? id : null;
  } catch {
    return null;
  }
}

type ModeOutcome =
  | { outcome: 'accepted'; requestId: string; location: string | null }
  | { outcome: 'fast-refused' }
  | { outcome: 'unknown'; response: BingResponse };

export class VideoSession {
  readonly #options: VideoSessionOptions;
  readonly #accounts = new Map<string, VideoAccountState>();

  constructor(options: VideoSessionOptions) {
    this.#options = options;
  }

  /** What is known of an account (created empty on first use). */
  state(accountId: string, ss?: string | null): VideoAccountState {
    let state = this.#accounts.get(accountId);
    if (!state) {
      state = { ig: null, iid: null, sid: sidFromSs(ss), fastLeft: null, warmedAt: null };
      this.#accounts.set(accountId, state);
    }
    return state;
  }

  /** Free fast creations left on an account; null when unknown. */
  fastCreationsLeft(accountId: string): number | null {
    return this.#accounts.get(accountId)?.fastLeft ?? null;
  }

  #learn(state: VideoAccountState, response: BingResponse): void {
    const sid = sidFromSs(response.cookies['_SS']);
    if (sid) state.sid = sid;
    if (response.status !== 200) return;
    const page = parseVideoPage(response.body);
    if (page.ig) state.ig = page.ig;
    if (page.iid) state.iid = page.iid;
    if (page.fastLeft !== null) state.fastLeft = page.fastLeft;
  }

  /** Loads the generator page (and, when it does not say, the count page) unless it was read recently. */
  async warmUp(send: VideoSend, state: VideoAccountState, signal?: AbortSignal, force = false): Promise<void> {
    if (!force && state.warmedAt !== null && Date.now() - state.warmedAt < this.#options.warmUpTtlMs) return;
    const origin = this.#options.origin;
    const quiet = <T>(work: Promise<T>): Promise<T | null> =>
      work.catch((error: unknown) => {
        if (signal?.aborted) throw error;
        return null;
      });
    const before = state.fastLeft;
    state.fastLeft = null;
    const page = await quiet(
      send({ method: 'GET', url: videoWarmUpUrl(origin), referer: `${origin}/images/create`, signal }),
    );
    if (page) this.#learn(state, page);
    if (state.fastLeft === null) {
      const count = await quiet(send({ method: 'GET', url: videoCountUrl(origin), signal }));
      if (count) this.#learn(state, count);
    }
    // A page that did not load says nothing new: keep what was known.
    if (state.fastLeft === null && !page) state.fastLeft = before;
    state.warmedAt = Date.now();
  }

  /** Uploads the source image; its `bcid` goes with the submit. A failure here means nothing was submitted. */
  async upload(send: VideoSend, state: VideoAccountState, imageBase64: string, signal?: AbortSignal): Promise<string> {
    const multipart = new FormData();
    multipart.append('imageBase64', imageBase64);
    let response: BingResponse;
    try {
      response = await send({
        method: 'POST',
        url: videoUploadUrl(this.#options.origin, state.sid),
        multipart,
        signal,
      });
    } catch (error) {
      if (signal?.aborted || !(error instanceof BingError)) throw error;
      throw new BingError(
        'UPSTREAM',
        `The source image could not be uploaded to Bing (${error.message}); no video was submitted.`,
      );
    }
    return parseUpload(response.status, response.body);
  }

  /**
   * Submits once per generation: the mode asked for, or fast while fast creations remain and standard
   * once they are gone. A refusal that names no reason goes to `unknown`, which says what it most likely was.
   */
  async submit(
    send: VideoSend,
    state: VideoAccountState,
    request: VideoSubmitRequest,
    unknown: (response: BingResponse) => Promise<BingError>,
    signal?: AbortSignal,
  ): Promise<VideoSubmitted> {
    await this.warmUp(send, state, signal);
    if (request.mode === 'FAST' && state.fastLeft === 0) throw fastExhausted();
    const bcid = request.imageBase64 === undefined ? null : await this.upload(send, state, request.imageBase64, signal);
    const modes: VideoMode[] = request.mode
      ? [request.mode]
      : state.fastLeft === 0
        ? ['STANDARD']
        : ['FAST', 'STANDARD'];
    for (const mode of modes) {
      const result = await this.#submitMode(send, state, { ...request, mode, bcid }, signal);
      if (result.outcome === 'accepted') {
        if (mode === 'FAST' && state.fastLeft !== null) state.fastLeft = Math.max(0, state.fastLeft - 1);
        return { requestId: result.requestId, mode, location: result.location };
      }
      if (result.outcome === 'unknown') {
        // Asked for no mode in particular, a fast refusal that names no reason falls back to standard, as rt=4 does to rt=3.
        if (mode === 'FAST' && !request.mode && result.response.status === 200) continue;
        throw await unknown(result.response);
      }
      state.fastLeft = 0;
      if (request.mode === 'FAST') throw fastExhausted();
    }
    throw fastExhausted();
  }

  async #submitMode(
    send: VideoSend,
    state: VideoAccountState,
    request: Required<Pick<VideoSubmitRequest, 'prompt' | 'aspect'>> & { mode: VideoMode; bcid: string | null },
    signal?: AbortSignal,
  ): Promise<ModeOutcome> {
    const origin = this.#options.origin;
    let last: BingResponse | undefined;
    for (const form of VIDEO_SUBMIT_FORMS) {
      for (const repeat of [false, true]) {
        const prepared = videoSubmitRequest(origin, form, {
          ...request,
          ig: repeat ? state.ig : undefined,
          iid: repeat ? state.iid : undefined,
        });
        this.#options.onSubmit?.();
        const response = await send({
          method: 'POST',
          url: prepared.url,
          form: prepared.body,
          referer: prepared.referer,
          signal,
        });
        const fromLocation =
          response.status >= 300 && response.status < 400 ? requestIdFrom(response.location, origin) : null;
        if (fromLocation) return { outcome: 'accepted', requestId: fromLocation, location: response.location };
        if (response.status === 429) {
          throw new BingError('RATE_LIMITED', 'Bing is throttling video creation on this account. Try again later.', {
            retryAfterSeconds: response.retryAfterSeconds ?? 60,
          });
        }
        if (response.status >= 500) {
          throw new BingError(
            'UPSTREAM',
            `Bing failed to take the video request (HTTP ${response.status}). Try again later.`,
          );
        }
        last = response;
        // A form this Bing does not have: the other one.
        if (response.status === 404 || response.status === 405) break;
        if (response.status !== 200) return { outcome: 'unknown', response };
        const inBody = requestIdInBody(response.body);
        if (inBody && (isVideoRequestId(inBody) || inBody.startsWith('1-')))
          return { outcome: 'accepted', requestId: inBody, location: null };
        const named = classifyVideoText(response.body);
        if (named) throw named;
        this.#learn(state, response);
        if (request.mode === 'FAST' && state.fastLeft === 0) return { outcome: 'fast-refused' };
        // The one repeat, with the IG and IID of the warm-up (or of this very page).
        if (repeat || (!state.ig && !state.iid)) break;
      }
    }
    if (request.mode === 'FAST' && last?.status === 200) {
      // A fast refusal that did not say why: the count page tells whether the fast creations ran out.
      await this.warmUp(send, state, signal, true);
      if (state.fastLeft === 0) return { outcome: 'fast-refused' };
    }
    return { outcome: 'unknown', response: last as BingResponse };
  }

  /**
   * One poll: the mode's results endpoint (the other one after a 404 there), then the detail call for
   * HTML cards, or the generator page when the results said nothing.
   */
  async poll(send: VideoSend, target: VideoPollTarget, signal: AbortSignal): Promise<VideoPollResult> {
    const origin = this.#options.origin;
    const path = target.path ?? (target.mode === 'FAST' ? 'generator' : 'create');
    let response = await send({ method: 'GET', url: videoPollUrl(origin, target, path), signal });
    if (response.status === 404) {
      const other = path === 'generator' ? 'create' : 'generator';
      const retried = await send({ method: 'GET', url: videoPollUrl(origin, target, other), signal });
      if (retried.status !== 404) {
        target.path = other;
        response = retried;
      }
    }
    pollStatus(response);
    let answer: VideoAnswer = parseVideoAnswer(response.body, origin);
    if (answer.state === 'pending' && !answer.confirmed) {
      const page = await send({ method: 'GET', url: videoFallbackPollUrl(origin, target), signal });
      if (page.status === 200) answer = parseVideoAnswer(page.body, origin);
    }
    if (answer.state === 'detail') {
      const detail = await send({ method: 'GET', url: videoDetailUrl(origin, target.requestId, answer), signal });
      pollStatus(detail);
      return { state: 'done', value: parseVideoDetail(detail.body, origin) };
    }
    return answer.state === 'done' ? { state: 'done', value: answer.video } : { state: 'pending' };
  }
}

/** A poll's HTTP status, read: 200 goes on to the body, the rest is an error (retryable where a repeat may help). */
export function pollStatus(response: BingResponse): void {
  if (response.status === 200) return;
  if (response.status === 429) {
    throw new BingError('RATE_LIMITED', 'Bing is throttling this account. Try again later.', {
      retryable: true,
      retryAfterSeconds: response.retryAfterSeconds ?? 60,
    });
  }
  if (response.status === 401 || response.status === 403) {
    throw new BingError(
      'AUTH',
      'Bing refused the cookie while the generation was running: it is invalid or has expired.',
    );
  }
  const rejection = response.status === 200 ? null : classifyRejection(response.body);
  if (rejection) throw rejection;
  throw new BingError('UPSTREAM', `Bing answered a video poll with HTTP ${response.status}.`, { retryable: true });
}
