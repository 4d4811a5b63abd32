/**
 * Bing's video answers, read: the generator and count pages, submit pages, every finished shape of a
 * poll (ourl, showContent, JSON value[], HTML cards), the detail call and the upload. Pure: each function
 * returns a state or throws a classified BingError.
 */
import { decodeHTML } from 'entities';
import { BingError } from './errors.js';
import { normaliseVideoUrl, unescapeVideoUrl } from './media.js';
import { classifyRejection } from './parse.js';
import { IG_FORMS, IID_FORMS, firstMatch } from './session.js';

const MAX_UPSTREAM_MESSAGE = 300;

/** A finished video, with what Bing reported of it. */
export interface VideoFile {
  url: string;
  width: number | null;
  height: number | null;
  durationSeconds: number | null;
}

/**
 * `pending.confirmed`: Bing said it is still working; unconfirmed: the answer simply held no result yet.
 * `detail`: HTML cards, whose video only the detail call gives.
 */
export type VideoAnswer =
  | { state: 'pending'; confirmed: boolean }
  | { state: 'done'; video: VideoFile }
  | { state: 'detail'; imageId: string; skey: string | null };

function upstreamText(text: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = decodeHTML(text)
    .replace(/<[^>]*>/g, ' ')
    .replace(/[\u0000-\u001f\u007f\s]+/g, ' ')
    .trim();
  return clean.length > MAX_UPSTREAM_MESSAGE ? `${clean.slice(0, MAX_UPSTREAM_MESSAGE)}…` : clean;
}

const THROTTLED = /too many requests|rate limit|concurren(?:t|cy)/i;
const FAILED =
  /something went wrong|try again later|we couldn['\u2019]?t create|we could not create|unable to generate/i;

/** The failure or throttling a video text names, if it names one. */
export function classifyVideoText(text: string): BingError | null {
  const rejection = classifyRejection(text);
  if (rejection) return rejection;
  const plain = upstreamText(text);
  if (THROTTLED.test(plain)) {
    return new BingError(
      'RATE_LIMITED',
      `Bing is throttling video creation on this account: ${plain}. Try again later.`,
      {
        retryAfterSeconds: 60,
      },
    );
  }
  if (FAILED.test(plain)) return new BingError('UPSTREAM', `Bing could not create the video: ${plain}.`);
  return null;
}

function failure(message: string): BingError {
  return (
    classifyVideoText(message) ??
    new BingError('UPSTREAM', `Bing could not create the video: ${upstreamText(message) || 'no reason given'}.`)
  );
}

function unparseable(what: string): BingError {
  return new BingError('UPSTREAM', `Bing answered the ${what} with something this client cannot read.`, {
    retryable: true,
  });
}

const PENDING = /^\s*(?:still\s+)?(?:pending|processing|running|queued|in\s*progress)\s*$/i;

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function positiveNumber(value: unknown): number | null {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value)
        ? Number(value)
        : NaN;
  return Number.isFinite(n) && n > 0 ? n : null;
}

/** A duration as Bing writes one: seconds, `PT8S` / `PT1M2.5S` (ISO 8601), or `0:08`. */
export function durationSeconds(value: unknown): number | null {
  const plain = positiveNumber(value);
  if (plain !== null) return plain;
  if (typeof value !== 'string') return null;
  const iso = /^\s*PT(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?\s*$/i.exec(value);
  if (iso && (iso[1] || iso[2] || iso[3])) {
    const total = Number(iso[1] ?? 0) * 3600 + Number(iso[2] ?? 0) * 60 + Number(iso[3] ?? 0);
    return total > 0 ? total : null;
  }
  const clock = /^\s*(?:(\d+):)?(\d{1,2}):(\d{2}(?:\.\d+)?)\s*$/.exec(value);
  if (clock) {
    const total = Number(clock[1] ?? 0) * 3600 + Number(clock[2]) * 60 + Number(clock[3]);
    return total > 0 ? total : null;
  }
  return null;
}

/**
 * A `contentUrl` of a `value[]` entry. It need not carry `pid=videocreator`, but it must be a Bing host
 * (or the configured origin), no thumbnail, and an mp4 by its path or its `encodingFormat`.
 */
function contentUrl(entry: Record<string, unknown>, origin: string): string | null {
  const raw = entry['contentUrl'] ?? entry['contenturl'] ?? entry['videoUrl'];
  if (typeof raw !== 'string' || raw.trim() === '') return null;
  const unescaped = unescapeVideoUrl(raw.trim());
  const strict = normaliseVideoUrl(unescaped, origin);
  if (strict) return strict;
  let url: URL;
  try {
    url = new URL(unescaped, origin);
  } catch {
    return null;
  }
  const format = typeof entry['encodingFormat'] === 'string' ? entry['encodingFormat'].toLowerCase() : '';
  if (!url.pathname.toLowerCase().endsWith('.mp4') && format !== 'mp4' && format !== 'video/mp4') return null;
  // Same host and thumbnail checks as an ourl, with the pid the check expects.
  const probe = new URL(url);
  probe.searchParams.set('pid', 'videocreator');
  return normaliseVideoUrl(probe.toString(), origin) ? url.toString() : null;
}

function fileFromEntry(entry: Record<string, unknown>, origin: string): VideoFile | null {
  const url = contentUrl(entry, origin);
  if (!url) return null;
  return {
    url,
    width: positiveNumber(entry['width']),
    height: positiveNumber(entry['height']),
    durationSeconds: durationSeconds(entry['duration'] ?? entry['durationSeconds'] ?? entry['videoDuration']),
  };
}

/** The first usable entry of a JSON `value[]` (or of a bare array). */
export function videoFromValue(value: unknown, origin: string): VideoFile | null {
  const list = Array.isArray(value) ? value : isRecord(value) && Array.isArray(value['value']) ? value['value'] : null;
  if (!list) return null;
  for (const entry of list) {
    if (!isRecord(entry)) continue;
    const file = fileFromEntry(entry, origin);
    if (file) return file;
  }
  return null;
}

const OURL = /ourl\s*=\s*(?:\\?"|&quot;|\\?')(.*?)(?:\\?"|&quot;|\\?')/gi;

function bare(url: string): VideoFile {
  return { url, width: null, height: null, durationSeconds: null };
}

function videoFromText(text: string, origin: string): VideoFile | null {
  for (const match of text.matchAll(OURL)) {
    const url = normaliseVideoUrl(unescapeVideoUrl(match[1] ?? ''), origin);
    if (url) return bare(url);
  }
  return null;
}

function videoFromShowContent(value: unknown, origin: string): VideoFile | null {
  if (typeof value === 'string') {
    const direct = normaliseVideoUrl(unescapeVideoUrl(value.trim()), origin);
    if (direct) return bare(direct);
    const nested = value.trim().startsWith('{') || value.trim().startsWith('[') ? parseJson(value) : undefined;
    return (nested !== undefined ? videoFromShowContent(nested, origin) : null) ?? videoFromText(value, origin);
  }
  if (Array.isArray(value) || isRecord(value)) {
    const fromValue = videoFromValue(value, origin);
    if (fromValue) return fromValue;
    for (const inner of Object.values(value)) {
      const file = videoFromShowContent(inner, origin);
      if (file) return file;
    }
  }
  return null;
}

const ANCHOR_HREF = /\shref\s*=\s*("([^"]*)"|'([^']*)')/gi;

/** The first HTML card that links a video's detail view: its image id and skey. */
export function videoCard(html: string, origin: string): { imageId: string; skey: string | null } | null {
  for (const match of html.matchAll(ANCHOR_HREF)) {
    const href = decodeHTML(match[2] ?? match[3] ?? '');
    if (!/view=detailv2/i.test(href) || !/datatype=video/i.test(href)) continue;
    let params: URLSearchParams;
    try {
      params = new URL(href, origin).searchParams;
    } catch {
      continue;
    }
    const lower = new Map([...params].map(([name, value]) => [name.toLowerCase(), value]));
    const imageId = lower.get('imageid') ?? lower.get('imgid') ?? lower.get('mediaid') ?? lower.get('thid');
    if (imageId && /^[\w.\-=:]{1,300}$/.test(imageId)) return { imageId, skey: lower.get('skey') ?? null };
  }
  return null;
}

/** The text of an error container on a page (`gil_err_msg`), if there is one. */
function errorContainerText(html: string): string | null {
  const match = /<div[^>]*id\s*=\s*"gil_err_msg"[^>]*>([\s\S]*?)<\/div>/i.exec(html);
  return match ? upstreamText(match[1] ?? '') || null : null;
}

/**
 * One video poll's body, from either results endpoint or the generator page. A body with no result and
 * no failure is pending; the caller decides when to try the fallback page.
 */
export function parseVideoAnswer(body: string, origin: string): VideoAnswer {
  const trimmed = body.trim();
  if (trimmed === '') return { state: 'pending', confirmed: false };

  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    const json = parseJson(trimmed);
    if (json === undefined) throw unparseable('video poll');
    if (Array.isArray(json)) {
      const file = videoFromValue(json, origin);
      return file ? { state: 'done', video: file } : { state: 'pending', confirmed: false };
    }
    if (!isRecord(json)) throw unparseable('video poll');
    const message = json['errorMessage'] ?? json['error'];
    const status = json['status'];
    // Pending next to a showContent is still processing, whatever showContent holds.
    if (typeof message === 'string' && PENDING.test(message)) return { state: 'pending', confirmed: true };
    if (typeof status === 'string' && PENDING.test(status)) return { state: 'pending', confirmed: true };
    const fromValue = videoFromValue(json, origin);
    if (fromValue) return { state: 'done', video: fromValue };
    if ('showContent' in json) {
      const file = videoFromShowContent(json['showContent'], origin);
      if (file) return { state: 'done', video: file };
      const shown = json['showContent'];
      if (typeof shown === 'string') {
        const card = videoCard(shown, origin);
        if (card) return { state: 'detail', ...card };
      }
    }
    if (typeof message === 'string' && message.trim() !== '') throw failure(message);
    if (isRecord(message) && typeof message['message'] === 'string') throw failure(message['message']);
    const inText = videoFromText(trimmed, origin);
    if (inText) return { state: 'done', video: inText };
    return { state: 'pending', confirmed: false };
  }

  const rejection = classifyRejection(trimmed);
  if (rejection) throw rejection;
  const ourl = videoFromText(trimmed, origin);
  if (ourl) return { state: 'done', video: ourl };
  if (/pending/i.test(trimmed) && /showcontent/i.test(trimmed)) return { state: 'pending', confirmed: true };
  const card = videoCard(trimmed, origin);
  if (card) return { state: 'detail', ...card };
  const error = errorContainerText(trimmed);
  if (error) throw failure(error);
  if (!trimmed.includes('<')) {
    const named = classifyVideoText(trimmed);
    if (named) throw named;
    throw unparseable('video poll');
  }
  return { state: 'pending', confirmed: false };
}

/** The detail call's answer: `value[0].contentUrl`, or a failure. */
export function parseVideoDetail(body: string, origin: string): VideoFile {
  const json = parseJson(body.trim());
  if (json === undefined) throw unparseable('video detail call');
  const file = videoFromValue(json, origin);
  if (file) return file;
  if (isRecord(json) && typeof json['errorMessage'] === 'string') throw failure(json['errorMessage']);
  throw new BingError('UPSTREAM', 'Bing finished the video but its detail answer holds no video this client can use.');
}

/** How many fast creations a video page says are left; null when it does not say. */
export function parseFastCreationsLeft(html: string): number | null {
  const text = decodeHTML(html);
  const forms = [
    /Fast\s*\(\s*(\d+)\s+free\s+remaining\s*\)/i,
    /aria-label\s*=\s*"\s*(\d+)\s+free\s+creations?\b/i,
    />\s*(\d+)\s+free\s+creations?\s*</i,
  ];
  for (const form of forms) {
    const match = form.exec(text);
    if (match) return Number(match[1]);
  }
  return null;
}

export interface VideoPage {
  ig: string | null;
  iid: string | null;
  fastLeft: number | null;
}

/** The generator (warm-up) page, or any video page: IG, IID and the fast creations left, as far as it says. */
export function parseVideoPage(html: string): VideoPage {
  const text = html.replace(/&amp;/g, '&');
  return { ig: firstMatch(text, IG_FORMS), iid: firstMatch(text, IID_FORMS), fastLeft: parseFastCreationsLeft(html) };
}

/** A request id in a 200 submit page: a link's `id=` or the `og:url`. Only video (`4-`) and image (`1-`) ids. */
export function requestIdInBody(html: string): string | null {
  const text = decodeHTML(html);
  const og =
    /<meta[^>]*property\s*=\s*"og:url"[^>]*content\s*=\s*"([^"]*)"/i.exec(text)?.[1] ??
    /<meta[^>]*content\s*=\s*"([^"]*)"[^>]*property\s*=\s*"og:url"/i.exec(text)?.[1];
  const candidates = [og, ...[...text.matchAll(/[?&]id=([14]-[0-9a-f]{32})\b/gi)].map((m) => `?id=${m[1]}`)];
  for (const candidate of candidates) {
    if (!candidate) continue;
    const id = /[?&]id=([14]-[0-9a-f]{32})\b/i.exec(candidate)?.[1];
    if (id) return id;
  }
  return null;
}

/** The upload's answer: `{"bcid": ...}`. Anything else is a failure of the upload, named as such. */
export function parseUpload(status: number, body: string): string {
  const json = parseJson(body.trim());
  const bcid = isRecord(json) ? json['bcid'] : undefined;
  if (
    status === 200 &&
    (typeof bcid === 'string' || typeof bcid === 'number') &&
    /^[\w.\-=]{1,300}$/.test(String(bcid))
  )
    return String(bcid);
  const named = classifyRejection(body);
  if (named) throw named;
  if (status === 429) {
    throw new BingError(
      'RATE_LIMITED',
      'Bing is throttling image uploads on this account; no video was submitted. Try again later.',
      {
        retryAfterSeconds: 60,
      },
    );
  }
  const reason =
    isRecord(json) && typeof json['errorMessage'] === 'string'
      ? `: ${upstreamText(json['errorMessage'])}`
      : ` (HTTP ${status})`;
  throw new BingError('UPSTREAM', `Bing did not take the source image${reason}; no video was submitted.`);
}
