/**
 * The Bing client: submit a generation, wait for it, resume waiting from a saved request id. It knows
 * Bing and nothing else: no tasks, no GraphQL, no HTTP server.
 */
import { Accounts, type Account, type AccountCredentials, type SessionState } from './accounts.js';
import type { AccountCredential } from './cookies.js';
import { BingError } from './errors.js';
import { BingHttp, type BingResponse } from './http.js';
import {
  classifyImagePage,
  classifyRejection,
  classifySubmitPage,
  incompleteSession,
  parseImagePoll,
  type PendingHint,
} from './parse.js';
import type { ProxySettings } from './proxy.js';
import {
  imagePollUrl,
  imageSubmitBody,
  imageSubmitUrl,
  requestIdFromLocation,
  sessionPageUrl,
  type GenerationKind,
  type ImageAspect,
  type ImageModel,
  type RequestType,
  type VideoAspect,
} from './protocol.js';
import { pollUntilDone, type PollOutcome, type PollState } from './poll-loop.js';
import { LearnedSchedule, type PollScheduler } from './schedule.js';
import { parseSessionPage } from './session.js';
import type { GenerationEvent, Watch } from './watch.js';
import type { VideoMode } from './video-protocol.js';
import { requestIdInBody, type VideoFile } from './video-parse.js';
import { VideoSession, type VideoPollTarget, type VideoSend } from './video-session.js';

export type { AccountCredential } from './cookies.js';
export type { ProxySettings } from './proxy.js';

export interface BingClientOptions {
  origin: string;
  /** The accounts: a `_U` value or a full `Cookie:` header value each, with an optional proxy and label. */
  accounts?: ReadonlyArray<AccountCredential | string> | undefined;
  /** The same as plain strings (kept for callers that configure `_U` values or cookie sets only). */
  cookies?: readonly string[] | undefined;
  /** HTTPS_PROXY / HTTP_PROXY / NO_PROXY for the accounts without a proxy of their own. */
  proxy?: ProxySettings | undefined;
  /** How long the session page's IG, Salt and boosts are trusted before it is loaded again. */
  sessionTtlMs: number;
  /**
   * Per model, how long an image poll may keep answering `{"errorMessage":"Pending"}` (or a page this
   * client does not know) before the generation fails: past the model's expected maximum.
   */
  pendingLimitMs: Record<ImageModel, number>;
  connections: number;
  requestTimeoutMs: number;
  imageDeadlineMs: number;
  /** A fast-mode video's deadline. */
  videoDeadlineMs: number;
  videoStandardDeadlineMs: number;
  /** How long the video generator page's IG, IID and fast-creation count are trusted. */
  videoWarmUpTtlMs: number;
  /** Consecutive failed polls (network, 5xx, unreadable body) tolerated before the generation fails. */
  pollRetries: number;
  /** First backoff after a failed poll; doubles each time, with full jitter, up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
  maxBodyBytes: number;
  schedule: PollScheduler;
}

/** Three times the longest run others observed (DALL-E 3 up to 15 s, GPT-4o and MAI-Image-1 up to 70 s). */
export const DEFAULT_PENDING_LIMIT_MS: Record<ImageModel, number> = { DALLE: 45_000, GPT4O: 210_000, MAI1: 210_000 };

export const DEFAULT_CLIENT_OPTIONS: Omit<BingClientOptions, 'origin' | 'accounts' | 'cookies' | 'proxy' | 'schedule'> =
  {
    sessionTtlMs: 1_800_000,
    pendingLimitMs: DEFAULT_PENDING_LIMIT_MS,
    connections: 16,
    requestTimeoutMs: 30_000,
    imageDeadlineMs: 300_000,
    videoDeadlineMs: 900_000,
    videoStandardDeadlineMs: 3 * 3_600_000,
    videoWarmUpTtlMs: 300_000,
    pollRetries: 4,
    retryBaseMs: 500,
    retryMaxMs: 8_000,
    maxBodyBytes: 5 * 1024 * 1024,
  };

export type { GenerationEvent, Watch } from './watch.js';
export type { AccountCredentials } from './accounts.js';

export interface Submitted {
  requestId: string;
  /** The fingerprint of the account it was submitted with: the same account must poll it. */
  account: string;
  submittedAt: number;
  /** Videos: the mode Bing took it in. */
  mode?: VideoMode | undefined;
}

export interface ImageRequest {
  prompt: string;
  model: ImageModel;
  aspect: ImageAspect;
}

export interface VideoRequest {
  prompt: string;
  aspect: VideoAspect;
  /** Absent: fast while the account has fast creations left, standard otherwise. */
  mode?: VideoMode | undefined;
  /** Image-to-video: the source image, base64 (already checked: PNG, JPEG or WebP, within the size limit). */
  imageBase64?: string | undefined;
}

export interface Resume extends Submitted {
  /** When the whole generation gives up; defaults to submittedAt plus the kind's deadline. */
  deadlineAt?: number | undefined;
}

export interface ImageResult {
  requestId: string;
  images: string[];
  revisedPrompt: string | null;
  polls: number;
  submittedAt: number;
  completedAt: number;
}

export interface VideoResult extends VideoFile {
  requestId: string;
  mode: VideoMode;
  polls: number;
  submittedAt: number;
  completedAt: number;
}

/** What the session page said of an account's boosts (fast image creations). */
export interface AccountBoosts {
  account: string;
  /** Whether a page has shown the balance. */
  known: boolean;
  /** Boosts left; null while unknown. */
  remaining: number | null;
}

export interface ClientStats {
  submits: number;
  polls: number;
}

type Poll<T> = (account: Account, signal: AbortSignal) => Promise<PollState<T>>;

export class BingClient {
  readonly #options: BingClientOptions;
  readonly #http: BingHttp;
  readonly #accounts: Accounts;
  readonly #stats: ClientStats = { submits: 0, polls: 0 };
  readonly #video: VideoSession;

  constructor(options: BingClientOptions) {
    this.#options = options;
    this.#http = new BingHttp({
      origin: options.origin,
      connections: options.connections,
      requestTimeoutMs: options.requestTimeoutMs,
      maxBodyBytes: options.maxBodyBytes,
      proxy: options.proxy,
    });
    this.#accounts = new Accounts([...(options.accounts ?? []), ...(options.cookies ?? [])]);
    this.#video = new VideoSession({
      origin: this.#http.origin,
      warmUpTtlMs: options.videoWarmUpTtlMs,
      onSubmit: () => {
        this.#stats.submits += 1;
      },
    });
  }

  static withDefaults(options: Pick<BingClientOptions, 'origin'> & Partial<BingClientOptions>): BingClient {
    return new BingClient({ ...DEFAULT_CLIENT_OPTIONS, schedule: new LearnedSchedule(), ...options });
  }

  get origin(): string {
    return this.#http.origin;
  }

  get schedule(): PollScheduler {
    return this.#options.schedule;
  }

  cookieSet(): boolean {
    return this.#accounts.size > 0;
  }

  session(): SessionState {
    return this.#accounts.session();
  }

  /** Free fast video creations left per account (by fingerprint); null where no page said. */
  fastCreationsLeft(): Array<{ account: string; fastCreationsLeft: number | null }> {
    return this.#accounts
      .all()
      .map((account) => ({ account: account.id, fastCreationsLeft: this.#video.fastCreationsLeft(account.id) }));
  }

  /** Boosts left per account (by fingerprint), as the session page last said. */
  boosts(): AccountBoosts[] {
    return this.#accounts
      .all()
      .map((account) => ({ account: account.id, known: account.boosts !== null, remaining: account.boosts }));
  }

  /** Boosts left on one explicitly given account; null where no page said. */
  boostsOf(id: string): number | null {
    return this.#accounts.byId(id)?.boosts ?? null;
  }

  /** Free fast video creations left on one account; null where no page said. */
  fastCreationsLeftOf(id: string): number | null {
    return this.#video.fastCreationsLeft(id);
  }

  /** Drops what the client knows of an explicitly given account that is gone. */
  forgetAccount(id: string): void {
    this.#accounts.forget(id);
  }

  /**
   * Loads the session page of one explicitly given account: true signed in, false signed out, undefined
   * when the page could not tell.
   */
  checkSession(credentials: AccountCredentials, signal?: AbortSignal): Promise<boolean | undefined> {
    return this.#checkSession(this.#accounts.given(credentials), signal);
  }

  /** One request on the account's behalf: its whole cookie set, through its proxy. */
  #send(account: Account): VideoSend {
    return (request) => this.#http.send({ ...request, cookie: account.cookie(), proxy: account.proxy });
  }

  stats(): ClientStats & { connections: ReturnType<BingHttp['connections']> } {
    return { ...this.#stats, connections: this.#http.connections() };
  }

  /** Loads the signed-in page of every account: session state for health, and the IG value. */
  async checkSessions(signal?: AbortSignal): Promise<SessionState> {
    for (const account of this.#accounts.all()) await this.#checkSession(account, signal).catch(() => undefined);
    return this.session();
  }

  /**
   * Whether the account is signed in: false for a signed-out page or a redirect (to the sign-in page),
   * undefined when the page could not tell (a 5xx, a 429), which says nothing about the cookie.
   */
  async #checkSession(account: Account, signal?: AbortSignal): Promise<boolean | undefined> {
    const response = await this.#send(account)({ method: 'GET', url: sessionPageUrl(this.origin), signal });
    if (response.status >= 300 && response.status < 400) {
      account.state = 'expired';
      return false;
    }
    if (response.status !== 200) return undefined;
    const page = parseSessionPage(response.body);
    account.learn(page, Date.now());
    return page.signedIn;
  }

  #account(given?: AccountCredentials): Account {
    const account = given ? this.#accounts.given(given) : this.#accounts.take();
    if (!account) {
      throw new BingError(
        'AUTH',
        'No Bing cookie is configured. Set BING_COOKIE_U to the _U cookie of a signed-in account.',
      );
    }
    return account;
  }

  #accountFor(id: string, given?: AccountCredentials): Account {
    const account = given && given.id === id ? this.#accounts.given(given) : this.#accounts.byId(id);
    if (!account) {
      throw new BingError('AUTH', 'The Bing account this generation was started with is no longer configured.');
    }
    return account;
  }

  /**
   * Before an account's first submit, and whenever its session is stale, a submit first loads the session
   * page (IG, Salt, boosts): a signed-out page ends the generation there, before it spends anything.
   */
  async #ready(account: Account, signal?: AbortSignal): Promise<void> {
    if (!account.needsLoad(Date.now(), this.#options.sessionTtlMs)) return;
    const signedIn = await this.#checkSession(account, signal).catch((error: unknown) => {
      if (signal?.aborted) throw error;
      return undefined;
    });
    if (signedIn === false) throw classifySubmitPage('');
  }

  /** A submit that was not accepted: name the reason, asking the session page when the answer named none. */
  async #refusal(response: BingResponse, account: Account, signal?: AbortSignal): Promise<BingError> {
    if (response.status === 429) {
      return new BingError('RATE_LIMITED', 'Bing is throttling this account. Try again later.', {
        retryAfterSeconds: response.retryAfterSeconds ?? 60,
      });
    }
    if (response.status >= 500) {
      return new BingError('UPSTREAM', `Bing failed to take the request (HTTP ${response.status}). Try again later.`);
    }
    if (response.status === 401 || response.status === 403) {
      account.state = 'expired';
      return classifySubmitPage('');
    }
    const known = classifyImagePage(response.body);
    if (known) return known;
    if (response.status >= 400) {
      return new BingError('UPSTREAM', `Bing did not take the request (HTTP ${response.status}). Try again later.`);
    }
    const signedIn = await this.#checkSession(account, signal).catch((error: unknown) => {
      if (signal?.aborted) throw error;
      return undefined;
    });
    if (signedIn) {
      const session = account.fullSet
        ? ''
        : ' With the _U cookie alone Bing answers an incomplete session the same way: the full cookie set of a signed-in browser (BING_COOKIES) cures that.';
      return new BingError(
        'PROMPT_REJECTED',
        `Bing refused this prompt without saying why; it was most likely blocked. Rephrase it and try again.${session}`,
      );
    }
    if (signedIn === false) account.state = 'expired';
    return classifySubmitPage(response.body);
  }

  /** The request id of an accepted submit: in the redirect, or (a 200 that is not a failure) in the page. */
  #accepted(response: BingResponse, account: Account): { id: string; location: string | null } | null {
    let id: string | null = null;
    let location: string | null = null;
    if (response.status >= 300 && response.status < 400 && response.location) {
      id = requestIdFromLocation(response.location, this.origin);
      location = response.location;
    } else if (response.status === 200) {
      const inBody = requestIdInBody(response.body);
      id = inBody?.startsWith('1-') ? inBody : null;
    }
    if (id) account.state = 'active';
    return id ? { id, location } : null;
  }

  /** The wrapper's check of the redirect target: a prompt can be accepted and then held for review. */
  async #checkRedirect(location: string, account: Account, signal?: AbortSignal): Promise<void> {
    const response = await this.#send(account)({ method: 'GET', url: new URL(location, this.origin), signal }).catch(
      (error: unknown) => {
        if (signal?.aborted) throw error;
        return null;
      },
    );
    const rejection = response && response.status === 200 ? classifyRejection(response.body) : null;
    if (rejection) throw rejection;
  }

  #emit(watch: Watch, event: GenerationEvent): void {
    watch.onEvent?.(event);
  }

  /** With `account`, submits on that account (the pool's choice); without, on the configured cookies in turn. */
  submitImage(request: ImageRequest, watch: Watch = {}, account?: AccountCredentials): Promise<Submitted> {
    return this.#reportFailure(watch, () => this.#submitImage(request, watch, account));
  }

  submitVideo(request: VideoRequest, watch: Watch = {}, account?: AccountCredentials): Promise<Submitted> {
    return this.#reportFailure(watch, () => this.#submitVideo(request, watch, account));
  }

  /** Every generation a watcher follows ends with `completed` or `failed`, a refused submit included. */
  async #reportFailure<T>(watch: Watch, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof BingError) this.#emit(watch, { type: 'failed', error, at: Date.now() });
      throw error;
    }
  }

  async #submitImage(request: ImageRequest, watch: Watch, given?: AccountCredentials): Promise<Submitted> {
    validPrompt(request.prompt);
    const account = this.#account(given);
    await this.#ready(account, watch.signal);
    let last: BingResponse | undefined;
    // rt=4 spends a boost: while some are left (or nobody said), then the slow queue.
    const types: RequestType[] = account.boosts === 0 ? [3] : [4, 3];
    for (const rt of types) {
      this.#stats.submits += 1;
      const response = await this.#send(account)({
        method: 'POST',
        url: imageSubmitUrl(this.origin, { ...request, rt, ig: account.ig ?? undefined }),
        form: imageSubmitBody(request),
        signal: watch.signal,
      });
      const accepted = this.#accepted(response, account);
      if (accepted) {
        if (rt === 4) account.spentBoost();
        else if (types.length > 1) account.boosts = 0;
        return this.#submitted(accepted.id, accepted.location, account, watch);
      }
      last = response;
      // A definite refusal ends it; a page without one (no boosts left, usually) falls back to the slow queue.
      const definite = classifyImagePage(response.body);
      if (definite || response.status >= 500 || response.status === 429) break;
    }
    // A 200 without a redirect ("Redirect failed"): the session is read again before the next submit.
    account.stale = true;
    throw await this.#refusal(last as BingResponse, account, watch.signal);
  }

  async #submitVideo(request: VideoRequest, watch: Watch, given?: AccountCredentials): Promise<Submitted> {
    validPrompt(request.prompt);
    const account = this.#account(given);
    await this.#ready(account, watch.signal);
    const state = this.#video.state(account.id, account.cookieValue('_SS'));
    const video = await this.#video.submit(
      this.#send(account),
      state,
      request,
      (response) => this.#refusal(response, account, watch.signal),
      watch.signal,
    );
    account.state = 'active';
    return this.#submitted(video.requestId, video.location, account, watch, video.mode);
  }

  async #submitted(
    requestId: string,
    location: string | null,
    account: Account,
    watch: Watch,
    mode?: VideoMode,
  ): Promise<Submitted> {
    const submitted: Submitted = { requestId, account: account.id, submittedAt: Date.now(), ...(mode ? { mode } : {}) };
    this.#emit(watch, { type: 'submitted', ...submitted, at: submitted.submittedAt });
    if (location) await this.#checkRedirect(location, account, watch.signal);
    return submitted;
  }

  /** Waits for a submitted (or saved) image generation. Never submits. */
  waitForImage(
    request: ImageRequest,
    submitted: Resume,
    watch: Watch = {},
    account?: AccountCredentials,
  ): Promise<ImageResult> {
    const limitMs = this.#options.pendingLimitMs[request.model];
    const poll: Poll<{ images: string[]; revisedPrompt: string | null }> = async (account, signal) => {
      const response = await this.#send(account)({
        method: 'GET',
        url: imagePollUrl(this.origin, { ...request, requestId: submitted.requestId, ig: account.ig ?? undefined }),
        signal,
      });
      this.#pollStatus(response);
      const state = parseImagePoll(response.body, this.origin);
      if (state.state === 'done') return { state: 'done', value: state };
      if (state.state === 'pending' && state.hint && Date.now() - submitted.submittedAt > limitMs) {
        throw pendingTooLong(state.hint, account.fullSet, limitMs);
      }
      return { state: state.state };
    };
    return this.#wait(request.model, submitted, this.#options.imageDeadlineMs, poll, watch, account).then(
      ({ value, polls, completedAt }) => ({
        requestId: submitted.requestId,
        images: value.images,
        revisedPrompt: value.revisedPrompt,
        polls,
        submittedAt: submitted.submittedAt,
        completedAt,
      }),
    );
  }

  /** Waits for a submitted (or saved) video generation, in the mode it was submitted in. Never submits. */
  waitForVideo(
    request: VideoRequest,
    submitted: Resume,
    watch: Watch = {},
    account?: AccountCredentials,
  ): Promise<VideoResult> {
    const mode = submitted.mode ?? request.mode ?? 'FAST';
    const target: VideoPollTarget = {
      requestId: submitted.requestId,
      prompt: request.prompt,
      aspect: request.aspect,
      mode,
    };
    // One target for the whole wait: a switch to the other results path (after a 404) sticks.
    const poll: Poll<VideoFile> = (account, signal) => {
      target.ig = account.ig;
      return this.#video.poll(this.#send(account), target, signal);
    };
    const kind: GenerationKind = mode === 'STANDARD' ? 'VIDEO_STANDARD' : 'VIDEO';
    const deadline = mode === 'STANDARD' ? this.#options.videoStandardDeadlineMs : this.#options.videoDeadlineMs;
    return this.#wait(kind, submitted, deadline, poll, watch, account).then(({ value, polls, completedAt }) => ({
      requestId: submitted.requestId,
      mode,
      ...value,
      polls,
      submittedAt: submitted.submittedAt,
      completedAt,
    }));
  }

  async createImage(request: ImageRequest, watch: Watch = {}): Promise<ImageResult> {
    const submitted = await this.submitImage(request, watch);
    return this.waitForImage(request, submitted, watch);
  }

  async createVideo(request: VideoRequest, watch: Watch = {}): Promise<VideoResult> {
    const submitted = await this.submitVideo(request, watch);
    return this.waitForVideo(request, submitted, watch);
  }

  #pollStatus(response: BingResponse): void {
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
    throw new BingError('UPSTREAM', `Bing answered a poll with HTTP ${response.status}.`, { retryable: true });
  }

  async #wait<T>(
    kind: GenerationKind,
    submitted: Resume,
    defaultDeadlineMs: number,
    poll: Poll<T>,
    watch: Watch,
    given?: AccountCredentials,
  ): Promise<PollOutcome<T>> {
    const account = this.#accountFor(submitted.account, given);
    return pollUntilDone({
      kind,
      submittedAt: submitted.submittedAt,
      deadlineAt: submitted.deadlineAt ?? submitted.submittedAt + defaultDeadlineMs,
      schedule: this.#options.schedule,
      retries: this.#options.pollRetries,
      retryBaseMs: this.#options.retryBaseMs,
      retryMaxMs: this.#options.retryMaxMs,
      poll: (signal) => {
        this.#stats.polls += 1;
        return poll(account, signal);
      },
      watch,
    });
  }

  close(): Promise<void> {
    return this.#http.close();
  }

  destroy(): Promise<void> {
    return this.#http.destroy();
  }
}

/** A prompt must be valid Unicode text: a lone surrogate never reaches Bing. */
function validPrompt(prompt: string): void {
  if (/\p{Cs}/u.test(prompt)) {
    throw new BingError('INVALID_REQUEST', 'The prompt is not valid Unicode text (it holds a lone surrogate).');
  }
}

/** An answer that still said "pending" (or nothing this client knows) past the model's expected time. */
function pendingTooLong(hint: PendingHint, fullSet: boolean, limitMs: number): BingError {
  const seconds = Math.round(limitMs / 1000);
  if (hint === 'unrecognised') {
    return new BingError(
      'UPSTREAM',
      `Bing kept answering with a page this client does not recognise for more than ${seconds} s; the generation was given up.`,
    );
  }
  if (fullSet) {
    return new BingError(
      'UPSTREAM',
      `Bing kept answering "Pending" for more than ${seconds} s, longer than this model takes. The session is most likely incomplete or expired: paste a fresh full cookie set from a signed-in browser.`,
    );
  }
  return incompleteSession(`Bing kept answering "Pending" for more than ${seconds} s, longer than this model takes`);
}
