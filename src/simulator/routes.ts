/** Bing's endpoints: the session page, the image submits, and every poll (video answers come from video-routes.ts). */

import { createJob, isVideoKind, kindFromModel, phaseAt, type SimJob } from './jobs.js';
import {
  errorJson,
  garbageBody,
  gilErrorPage,
  imageIdInBodyPage,
  notFoundPage,
  pendingJson,
  sessionIssuePage,
  statusPage,
  styledEmptyPage,
  type Session,
  partialPage,
  pendingPage,
  redirectTargetPage,
  rejectionPage,
  resultPage,
  signedInPage,
  signedOutPage,
  unsafePage,
} from './markup.js';
import { resolveScenario } from './scenario.js';
import type { SimState } from './state.js';

export type Answer = { status: number; headers?: Record<string, string>; body: string | Buffer } | 'drop';

/** `create`: Image Creator's results path; `generator`: the video generator's; `fallback`: the generator page. */
export type VideoEndpoint = 'create' | 'generator' | 'fallback';

/** What the polls need of the video creator (video-routes.ts). */
export interface VideoAnswers {
  /** Whether a poll of this job on this endpoint finds it at all. */
  answers(job: SimJob, endpoint: VideoEndpoint): boolean;
  /** A video poll's answer once the faults are past; `final` marks the answer that ends the job for a client. */
  answer(
    ctx: Context,
    job: SimJob,
    endpoint: VideoEndpoint,
    n: number,
    now: number,
  ): { answer: Answer; final: boolean };
}

export interface Context {
  state: SimState;
  video: VideoAnswers;
  url: URL;
  body: string;
  cookieValid: boolean;
  /** The request's cookies, by name. */
  cookies: Record<string, string>;
  /** The simulator's origin as the client addressed it. */
  origin: string;
}

export const CREATE_PATH = '/images/create';
export const VIDEO_PATH = '/images/create/ai-video-generator';
export const RESULTS_PATTERN = /^\/images\/create\/async\/results\/([^/]+)$/;

const HTML = { 'content-type': 'text/html; charset=utf-8' };
const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };

const html = (body: string | Buffer, status = 200): Answer => ({ status, headers: HTML, body });
const json = (body: string): Answer => ({ status: 200, headers: JSON_TYPE, body });

/** The session as the pages of this cookie show it: the configured IG/Salt form and its boost balance. */
function viewOf(ctx: Context): Session {
  const { state } = ctx;
  return {
    ...state.session,
    form: state.sessionForm,
    boosts: state.boostsOf(ctx.cookies._U ?? ''),
    boostForm: state.boostForm,
  };
}

/** Whether the cookies carry what a scenario's stand-in demands of a session. */
function sessionComplete(ctx: Context, needs: 'none' | 'srchhpgusr' | 'full-set'): boolean {
  if (needs === 'none') return true;
  if (needs === 'full-set') return ctx.cookies.MUID !== undefined && ctx.cookies.KievRPSSecAuth !== undefined;
  const { ig, salt } = ctx.state.session;
  const value = new URLSearchParams(ctx.cookies.SRCHHPGUSR ?? '');
  return value.get('IG') === ig && value.get('HVE') === salt && /^\d+$/.test(value.get('HV') ?? '');
}

export function sessionPage(ctx: Context): Answer {
  if (!ctx.cookieValid) return html(signedOutPage());
  const id = ctx.url.searchParams.get('id');
  if (id === null) return html(signedInPage(viewOf(ctx)));
  const job = ctx.state.jobs.get(id);
  const prompt = ctx.url.searchParams.get('q') ?? job?.prompt ?? '';
  return html(redirectTargetPage(ctx.state.session, prompt, job?.scenario.reviewAfter ?? false));
}

/** An image submit (video submits are video-routes.ts'). */
export function submit(ctx: Context): Answer {
  const query = ctx.url.searchParams;
  const fields = new URLSearchParams(ctx.body);
  const prompt = query.get('q') ?? fields.get('q') ?? '';
  const scenario = resolveScenario(prompt, ctx.state.override);
  if (!ctx.cookieValid) return html(signedOutPage());
  const { session } = ctx.state;
  if (prompt.trim() === '') return html(rejectionPage('home', session, prompt));
  const kind = kindFromModel(query.get('mdl'), fields.get('model'));
  if (kind === null) return { status: 400, headers: { 'content-type': 'text/plain' }, body: 'Unknown model' };
  if (scenario.submit !== 'success') return html(rejectionPage(scenario.submit, session, prompt));
  if (!sessionComplete(ctx, scenario.needs)) {
    return html(scenario.needs === 'full-set' ? sessionIssuePage() : rejectionPage('home', viewOf(ctx), prompt));
  }
  const rt = query.get('rt') ?? '4';
  if (scenario.noBoost && rt === '4') return html(rejectionPage('home', session, prompt));
  const u = ctx.cookies._U ?? '';
  const boosts = ctx.state.boostsOf(u);
  // No boost left: a fast submit answers the page without a redirect, as Bing does.
  if (rt === '4' && boosts === 0) return html(rejectionPage('home', viewOf(ctx), prompt));
  if (rt === '4' && boosts !== null) ctx.state.boostsLeft.set(u, boosts - 1);

  const aspect = Number(query.get('ar') ?? '1');
  const job = createJob(
    { kind, prompt, aspect: Number.isFinite(aspect) ? aspect : 1, scenario },
    ctx.state.timing,
    Date.now(),
  );
  ctx.state.jobs.set(job.id, job);
  if (scenario.idInBody !== 'none') {
    return html(imageIdInBodyPage(viewOf(ctx), prompt, job.id, ctx.origin, scenario.idInBody));
  }
  const location =
    `${CREATE_PATH}?q=${encodeURIComponent(prompt)}&rt=${encodeURIComponent(rt)}&FORM=GENCRE&id=${job.id}` +
    (scenario.nfy ? '&nfy=1' : '');
  return { status: 302, headers: { ...HTML, location }, body: '' };
}

/** What a poll answers once the faults are past; `final` marks the answer that ends the job for a client. */
interface PollResult {
  answer: Answer;
  final: boolean;
}

function imagePoll(ctx: Context, job: SimJob, n: number, now: number): PollResult {
  const s = job.scenario;
  const phase = phaseAt(job, now);
  if (phase === 'pending') {
    if (s.pendingJson) return { answer: json(pendingJson()), final: false };
    return { answer: html(s.statusPage ? statusPage() : s.pendingHtml ? pendingPage() : ''), final: false };
  }
  if (phase === 'partial') return { answer: html(partialPage(job, ctx.origin)), final: false };
  if (s.pollError !== null) return { answer: json(errorJson(s.pollError)), final: true };
  if (s.unsafe) return { answer: html(unsafePage()), final: true };
  if (s.styledEmpty) return { answer: html(styledEmptyPage()), final: true };
  if (s.gilError !== 'none') return { answer: html(gilErrorPage(s.gilError)), final: true };
  if (s.garbage) return { answer: html(garbageBody(n)), final: false };
  return { answer: html(resultPage(job, ctx.origin)), final: true };
}

const UPSTREAM_ERRORS = [500, 502, 503];

/**
 * Every kind of poll: the results endpoint (image or video, by the job's kind) and the video
 * fallback page. Faults (drop, 5xx, 429, slow) count polls per job, whichever endpoint they hit.
 */
export async function poll(ctx: Context, id: string, endpoint: 'results' | VideoEndpoint): Promise<Answer> {
  if (!ctx.cookieValid) return html(signedOutPage());
  const job = ctx.state.jobs.get(id);
  const video = job !== undefined && isVideoKind(job.kind);
  if (
    !job ||
    (endpoint !== 'results' && !video) ||
    (video && !ctx.video.answers(job, endpoint === 'results' ? 'create' : endpoint))
  ) {
    return html(notFoundPage(), 404);
  }
  const n = ++job.polls;
  const s = job.scenario;
  if (s.slowMs > 0) await ctx.state.delay(s.slowMs);
  if (n <= s.drop) return 'drop';
  if (n <= s.drop + s.poll5xx)
    return html('<h1>Service unavailable</h1>', UPSTREAM_ERRORS[(n - s.drop - 1) % 3] ?? 500);
  if (s.poll429) return { status: 429, headers: { ...HTML, 'retry-after': '30' }, body: '<h1>Too many requests</h1>' };

  const now = Date.now();
  const result = video
    ? ctx.video.answer(ctx, job, endpoint === 'results' ? 'create' : endpoint, n, now)
    : imagePoll(ctx, job, n, now);
  if (result.final && job.firstSeenDoneAt === null) job.firstSeenDoneAt = now;
  return result.answer;
}
