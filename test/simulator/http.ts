/** Real HTTP calls against a running simulator, with the URLs the real client builds. */

import { request } from 'undici';
import {
  imagePollUrl,
  imageSubmitBody,
  imageSubmitUrl,
  type ImageModel,
  type RequestType,
} from '../../src/bing/protocol.js';
import {
  videoFallbackPollUrl,
  videoPollUrl,
  videoSubmitRequest,
  type VideoMode,
  type VideoSubmit,
  type VideoSubmitForm,
} from '../../src/bing/video-protocol.js';

export const COOKIE = 'valid-cookie-123';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
}

export async function call(
  url: string | URL,
  init: { method?: 'GET' | 'POST'; cookie?: string | null; body?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const cookie = init.cookie === undefined ? COOKIE : init.cookie;
  const res = await request(url, {
    method: init.method ?? 'GET',
    headers: {
      ...(cookie === null ? {} : { cookie: `MUID=abc; _U=${cookie}; SRCHHPGUSR=x` }),
      ...(init.body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
      ...init.headers,
    },
    body: init.body,
  });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, body, text: body.toString('utf8') };
}

export interface Submitted extends Reply {
  location: string | undefined;
  id: string | null;
}

function withId(reply: Reply, origin: string): Submitted {
  const location = typeof reply.headers.location === 'string' ? reply.headers.location : undefined;
  const id = location ? new URL(location, origin).searchParams.get('id') : null;
  return { ...reply, location, id };
}

export async function submitImage(
  origin: string,
  prompt: string,
  opts: { model?: ImageModel; rt?: RequestType; cookie?: string | null } = {},
): Promise<Submitted> {
  const s = { prompt, model: opts.model ?? 'DALLE', aspect: 'SQUARE' as const, rt: opts.rt ?? 4 };
  const reply = await call(imageSubmitUrl(origin, s), {
    method: 'POST',
    body: imageSubmitBody(s),
    cookie: opts.cookie,
  });
  return withId(reply, origin);
}

export function pollImage(
  origin: string,
  id: string,
  prompt: string,
  model: ImageModel = 'DALLE',
  cookie?: string | null,
): Promise<Reply> {
  return call(imagePollUrl(origin, { requestId: id, prompt, model, aspect: 'SQUARE' }), { cookie });
}

export async function submitVideo(
  origin: string,
  prompt: string,
  form: VideoSubmitForm = 'generator',
  more: Partial<VideoSubmit> & { cookie?: string | null } = {},
): Promise<Submitted> {
  const r = videoSubmitRequest(origin, form, { prompt, aspect: 'PORTRAIT', mode: 'FAST', ...more });
  const reply = await call(r.url, {
    method: 'POST',
    body: r.body,
    headers: { referer: r.referer },
    cookie: more.cookie,
  });
  return withId(reply, origin);
}

export function pollVideo(
  origin: string,
  id: string,
  prompt: string,
  mode: VideoMode = 'FAST',
  path?: 'generator' | 'create',
): Promise<Reply> {
  return call(videoPollUrl(origin, { requestId: id, prompt, aspect: 'PORTRAIT', mode }, path));
}

export function pollVideoFallback(origin: string, id: string, prompt: string): Promise<Reply> {
  return call(videoFallbackPollUrl(origin, { requestId: id, prompt, aspect: 'PORTRAIT', mode: 'FAST' }));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Every `src` of an `<img ...>` tag, as written in the HTML. */
export function imgSources(html: string): string[] {
  return [...html.matchAll(/<img\b[^>]*?\bsrc="([^"]*)"/g)].map((m) => m[1]!);
}

export const REJECTION_MARKERS = [
  'this prompt has been blocked',
  'girer_center block_icon',
  'data-clarity-tag="blockedbycontentpolicy"',
  'dq-err="',
  'this prompt is being reviewed',
  "we're working hard to offer image creator in more languages",
  "we can't create your images right now",
  "you can't submit any more prompts",
  'unsafe image content detected',
];

export function markersIn(html: string): string[] {
  const lower = html.toLowerCase();
  return REJECTION_MARKERS.filter((m) => lower.includes(m));
}

export const SIGNED_IN = 'id="id_a" style="display:none"';
