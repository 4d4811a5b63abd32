/**
 * How one simulated job behaves, and the prompt directives that choose it.
 *
 * A directive is a token `[sim:name]` or `[sim:name=value]` anywhere in the prompt; several combine,
 * e.g. `a cat [sim:poll5xx=2] [sim:ms=300]`. Directives win over `setScenario()`, which wins over
 * the default (success). Unknown directives are ignored. The cookie alone decides auth.
 *
 * Timing
 *   [sim:ms=N]              the job's duration in ms (used as is, not multiplied by timeScale)
 *   [sim:never]             the job never completes
 *   [sim:durations=NAME]    the kind's range times a named profile of durations.ts (faster, slower, ...)
 * Submit (POST)
 *   [sim:blocked]           200 page with "This prompt has been blocked"
 *   [sim:blocked-icon]      200 page with `girer_center block_icon`
 *   [sim:blocked-clarity]   200 page with `data-clarity-tag="BlockedByContentPolicy"`
 *   [sim:blocked-dq]        200 page with `dq-err="..."`
 *   [sim:review]            200 page with "This prompt is being reviewed"
 *   [sim:language]          200 page with "We're working hard to offer Image Creator in more languages"
 *   [sim:unavailable]       200 page with "We can't create your images right now"
 *   [sim:quota]             200 page with "You can't submit any more prompts"
 *   [sim:home]              200 plain home page, no markers
 *   [sim:noboost]           rt=4 answers the plain home page; rt=3 succeeds
 *   [sim:nfy]               the 302 Location carries `&nfy=1`
 *   [sim:review-after]      the redirect target page (GET /images/create?...&id=) says "This prompt is being reviewed"
 *   [sim:needs=srchhpgusr]  without a SRCHHPGUSR cookie carrying the session page's IG and Salt, the submit answers
 *                           the plain home page (no redirect: "Redirect failed")
 *   [sim:needs=full-set]    without the browser's full cookie set (MUID and KievRPSSecAuth beside _U), the submit
 *                           answers "We're sorry — we've run into an issue. The page is currently unavailable."
 *   [sim:id-in-body=link]   the submit answers 200 (no Location) with the request id in a link of the page
 *   [sim:id-in-body=og]     ... in `<meta property="og:url" content=".../images/create?...&id=<id>">`
 * Image poll
 *   [sim:pending-html]      pending answers are an HTML page without result markup instead of an empty body
 *   [sim:pending-json]      pending answers are {"errorMessage":"Pending","showContent":"","enableDebug":false}
 *   [sim:status-page]       pending answers are a page holding `GenerativeImagesStatusPage`
 *   [sim:styled-empty]      after readyAt: the styled result page (text/css) with no result image
 *   [sim:gil-err=msg]       after readyAt: `<div id="gil_err_msg">...</div>` with a reason; `img`: the
 *                           `gil_err_img blocked_bd` block; `tc`: a `gil_err_tc` box with a reason
 *   [sim:urls=absolute]     (default) https://tse1.mm.bing.net/th/id/OIG<n>.<name>?w=270&amp;h=270&amp;c=6&amp;pid=ImgGn
 *   [sim:urls=relative]     /th/id/OIG<n>.<name>?w=270&amp;h=270&amp;pid=ImgGn
 *   [sim:urls=origin]       <simulator url>/th/id/OIG<n>.<name>?pid=ImgGn (served as real PNGs)
 *   [sim:noise]             adds .js/.svg /th/id/ urls, the two placeholders, foreign hosts and duplicates
 *   [sim:selcap]            revised prompt in `data-selcap="..."` (HTML entities inside)
 *   [sim:alt]               revised prompt in the `alt` of the result images
 *   [sim:onlyplaceholders]  the result holds only the two placeholder images
 *   [sim:poll-error=TEXT]   after readyAt: JSON {"errorMessage":"TEXT"}
 *   [sim:unsafe]            after readyAt: a page with "Unsafe image content detected"
 *   [sim:garbage]           after readyAt: 200 with a truncated HTML or binary body, on every poll
 * Faults of any poll (image, video, video fallback page), counted per job from its first poll
 *   [sim:drop=N]            polls 1..N destroy the socket without answering (N defaults to 1)
 *   [sim:poll5xx=N]         the next N polls (after the dropped ones) answer 500, 502, 503, 500, ... (N defaults to 1)
 *   [sim:poll429]           every poll answers 429 with `Retry-After: 30`
 *   [sim:slow=MS]           every poll answer is delayed by MS
 * Video
 *   [sim:no-dedicated]      POST /images/create/ai-video-generator answers 404 (use the legacy form)
 *   [sim:video=showcontent] (default) JSON {"showContent":"<url>"}
 *   [sim:video=ourl]        a body with ourl="<url>" escaped with \/, \u0026 and once \u0026amp;
 *   [sim:video=fallback]    the results endpoint never gives the URL; only the fallback page has ourl="..."
 *   [sim:video=value]       JSON value[] with contentUrl, width, height, duration (see video-scenario.ts)
 *   [sim:video=cards]       HTML cards; the detail call gives the video (see video-scenario.ts)
 *   [sim:video-error=TEXT]  after readyAt: JSON {"errorMessage":"TEXT"}
 *   [sim:video-rejected]    after readyAt: a page with "This prompt has been blocked"
 *   [sim:video-host=bing]   the URL is on https://th.bing.com instead of the simulator's origin
 *   [sim:video-thumb]       the URL carries thumbnail parameters (w=, h=): a client must refuse it
 */

import { isProfileName, type ProfileName } from './durations.js';

export type SubmitOutcome =
  | 'success'
  | 'blocked'
  | 'blocked-icon'
  | 'blocked-clarity'
  | 'blocked-dq'
  | 'review'
  | 'language'
  | 'unavailable'
  | 'quota'
  | 'home';

export const REJECTIONS: readonly SubmitOutcome[] = [
  'blocked',
  'blocked-icon',
  'blocked-clarity',
  'blocked-dq',
  'review',
  'language',
  'unavailable',
  'quota',
  'home',
];

export type UrlStyle = 'absolute' | 'relative' | 'origin';
export type SessionNeed = 'none' | 'srchhpgusr' | 'full-set';
export type IdInBody = 'none' | 'link' | 'og';
export type GilError = 'none' | 'msg' | 'img' | 'tc';
export type VideoForm = 'showcontent' | 'ourl' | 'fallback' | 'value' | 'cards';
export type VideoHost = 'origin' | 'bing';

export interface Scenario {
  submit: SubmitOutcome;
  noBoost: boolean;
  nfy: boolean;
  reviewAfter: boolean;
  needs: SessionNeed;
  idInBody: IdInBody;
  /** Duration in ms, used as is (not scaled); null draws from the kind's range. */
  durationMs: number | null;
  never: boolean;
  /** A named duration profile for this job; null: the simulator's. */
  durations: ProfileName | null;
  pendingHtml: boolean;
  pendingJson: boolean;
  statusPage: boolean;
  styledEmpty: boolean;
  gilError: GilError;
  urls: UrlStyle;
  noise: boolean;
  selcap: boolean;
  alt: boolean;
  onlyPlaceholders: boolean;
  pollError: string | null;
  unsafe: boolean;
  garbage: boolean;
  drop: number;
  poll5xx: number;
  poll429: boolean;
  slowMs: number;
  noDedicated: boolean;
  video: VideoForm;
  videoError: string | null;
  videoRejected: boolean;
  videoHost: VideoHost;
  videoThumb: boolean;
}

export const DEFAULT_SCENARIO: Readonly<Scenario> = Object.freeze({
  submit: 'success',
  noBoost: false,
  nfy: false,
  reviewAfter: false,
  needs: 'none',
  idInBody: 'none',
  durationMs: null,
  never: false,
  durations: null,
  pendingHtml: false,
  pendingJson: false,
  statusPage: false,
  styledEmpty: false,
  gilError: 'none',
  urls: 'absolute',
  noise: false,
  selcap: false,
  alt: false,
  onlyPlaceholders: false,
  pollError: null,
  unsafe: false,
  garbage: false,
  drop: 0,
  poll5xx: 0,
  poll429: false,
  slowMs: 0,
  noDedicated: false,
  video: 'showcontent',
  videoError: null,
  videoRejected: false,
  videoHost: 'origin',
  videoThumb: false,
});

const DIRECTIVE = /\[sim:([a-z0-9-]+)(?:=([^\]]*))?\]/gi;

function count(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,9}$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[]): T | undefined {
  const v = value?.trim().toLowerCase();
  return allowed.find((a) => a === v);
}

function directive(name: string, value: string | undefined): Partial<Scenario> {
  if ((REJECTIONS as readonly string[]).includes(name)) return { submit: name as SubmitOutcome };
  switch (name) {
    case 'ms': {
      const ms = count(value);
      return ms === undefined ? {} : { durationMs: ms };
    }
    case 'never':
      return { never: true };
    case 'durations': {
      const name = value?.trim().toLowerCase() ?? '';
      return isProfileName(name) ? { durations: name } : {};
    }
    case 'noboost':
      return { noBoost: true };
    case 'nfy':
      return { nfy: true };
    case 'review-after':
      return { reviewAfter: true };
    case 'pending-html':
      return { pendingHtml: true };
    case 'pending-json':
      return { pendingJson: true };
    case 'status-page':
      return { statusPage: true };
    case 'styled-empty':
      return { styledEmpty: true };
    case 'gil-err': {
      const gilError = oneOf(value, ['msg', 'img', 'tc'] as const);
      return gilError ? { gilError } : {};
    }
    case 'needs': {
      const needs = oneOf(value, ['none', 'srchhpgusr', 'full-set'] as const);
      return needs ? { needs } : {};
    }
    case 'id-in-body': {
      const idInBody = oneOf(value, ['link', 'og'] as const);
      return idInBody ? { idInBody } : {};
    }
    case 'urls': {
      const urls = oneOf(value, ['absolute', 'relative', 'origin'] as const);
      return urls ? { urls } : {};
    }
    case 'noise':
      return { noise: true };
    case 'selcap':
      return { selcap: true };
    case 'alt':
      return { alt: true };
    case 'onlyplaceholders':
      return { onlyPlaceholders: true };
    case 'poll-error':
      return { pollError: value ?? 'Something went wrong' };
    case 'unsafe':
      return { unsafe: true };
    case 'garbage':
      return { garbage: true };
    case 'drop':
      return { drop: count(value) ?? 1 };
    case 'poll5xx':
      return { poll5xx: count(value) ?? 1 };
    case 'poll429':
      return { poll429: true };
    case 'slow': {
      const ms = count(value);
      return ms === undefined ? {} : { slowMs: ms };
    }
    case 'no-dedicated':
      return { noDedicated: true };
    case 'video': {
      const video = oneOf(value, ['showcontent', 'ourl', 'fallback', 'value', 'cards'] as const);
      return video ? { video } : {};
    }
    case 'video-error':
      return { videoError: value ?? 'Something went wrong' };
    case 'video-rejected':
      return { videoRejected: true };
    case 'video-host': {
      const videoHost = oneOf(value, ['origin', 'bing'] as const);
      return videoHost ? { videoHost } : {};
    }
    case 'video-thumb':
      return { videoThumb: true };
    default:
      return {};
  }
}

/** The scenario fields set by the directives in a prompt; later directives win over earlier ones. */
export function parseDirectives(prompt: string): Partial<Scenario> {
  let result: Partial<Scenario> = {};
  for (const m of prompt.matchAll(DIRECTIVE)) {
    result = { ...result, ...directive(m[1]!.toLowerCase(), m[2]) };
  }
  return result;
}

/** The prompt with its directives removed, as a real model would read it. */
export function stripDirectives(prompt: string): string {
  return prompt.replace(DIRECTIVE, ' ').replace(/\s+/g, ' ').trim();
}

export function resolveScenario(prompt: string, override: Partial<Scenario> | null): Scenario {
  return { ...DEFAULT_SCENARIO, ...override, ...parseDirectives(prompt) };
}

const CHOICES: Record<string, readonly string[] | undefined> = {
  submit: ['success', ...REJECTIONS],
  urls: ['absolute', 'relative', 'origin'],
  needs: ['none', 'srchhpgusr', 'full-set'],
  idInBody: ['none', 'link', 'og'],
  gilError: ['none', 'msg', 'img', 'tc'],
  video: ['showcontent', 'ourl', 'fallback', 'value', 'cards'],
  videoHost: ['origin', 'bing'],
};

/** Checks a scenario override received as JSON by the control API; returns an error text or null. */
export function invalidScenarioOverride(value: unknown): string | null {
  if (value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) return 'expected an object or null';
  const defaults = DEFAULT_SCENARIO as unknown as Record<string, unknown>;
  const nullable = new Set(['durationMs', 'pollError', 'videoError']);
  for (const [key, v] of Object.entries(value)) {
    if (!(key in defaults)) return `unknown scenario field ${key}`;
    if (v === null && nullable.has(key)) continue;
    const expected = nullable.has(key) ? (key === 'durationMs' ? 'number' : 'string') : typeof defaults[key];
    if (typeof v !== expected) return `scenario field ${key} must be a ${expected}`;
    const allowed = CHOICES[key];
    if (allowed && !allowed.includes(v as string)) return `scenario field ${key} must be one of ${allowed.join(', ')}`;
    if (typeof v === 'number' && !(Number.isFinite(v) && v >= 0)) return `scenario field ${key} must be >= 0`;
  }
  return null;
}
