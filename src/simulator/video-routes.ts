/**
 * Bing's video creator: the warm-up and count pages, both submit forms in both modes (fast spends one of
 * the cookie's free fast creations, standard never does), both results paths with every finished shape,
 * the detail call, the generator page as a fallback poll, and the image upload.
 */

import { randomBytes } from 'node:crypto';
import { createJob, isVideoKind, phaseAt, type SimJob } from './jobs.js';
import {
  errorJson,
  garbageBody,
  notFoundPage,
  rejectionPage,
  signedInPage,
  signedOutPage,
  videoOurlBody,
  videoPendingJson,
} from './markup.js';
import { poll, type Answer, type Context, type VideoAnswers, type VideoEndpoint } from './routes.js';
import { resolveScenario } from './scenario.js';
import { videoUrl } from './urls.js';
import {
  cardsPage,
  errorPage,
  fastCount,
  generatorPage,
  idInBodyPage,
  pendingShowContentJson,
  valueJson,
} from './video-markup.js';
import {
  DEFAULT_VIDEO_SCENARIO,
  FAST_COUNT_FORMS,
  parseVideoDirectives,
  type FastCountForm,
  type UploadBehaviour,
  type VideoConfiguration,
  type VideoScenario,
} from './video-scenario.js';

export const CREATE_PATH = '/images/create';
export const VIDEO_PATH = '/images/create/ai-video-generator';
export const VIDEO_RESULTS_PATTERN = /^\/images\/create\/ai-video-generator\/async\/results\/([^/]+)$/;
export const DETAIL_PATTERN = /^\/images\/create\/detail\/async\/([^/]+)$/;
export const UPLOAD_PATH = '/images/create/upload';

const HTML = { 'content-type': 'text/html; charset=utf-8' };
const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };
const html = (body: string | Buffer, status = 200, headers: Record<string, string> = {}): Answer => ({
  status,
  headers: { ...HTML, ...headers },
  body,
});
const json = (body: string, status = 200): Answer => ({ status, headers: JSON_TYPE, body });

export type VideoMode = 'FAST' | 'STANDARD';
export type { VideoEndpoint };

/** What a video job adds to the shared job: its own directives, its detail card and its source image. */
export interface VideoJobExtras {
  mode: VideoMode;
  scenario: VideoScenario;
  card: { imageId: string; skey: string };
  /** The `bcid` of the uploaded image it animates, if any. */
  image: string | null;
}

export interface Upload {
  bcid: string;
  bytes: number;
  type: string;
}

function safeDecode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** The mode a submit asks for: `sm`, else `rt`, else `pt`; fast when nothing says. */
export function modeOf(query: URLSearchParams): VideoMode {
  const sm = query.get('sm');
  if (sm === '1') return 'FAST';
  if (sm === '0') return 'STANDARD';
  const rt = query.get('rt') ?? query.get('pt');
  return rt === '3' ? 'STANDARD' : 'FAST';
}

/** `ar` in either wrapper's variant: 4 or 1 portrait, 5 landscape. */
export function aspectOf(ar: string | null): 'PORTRAIT' | 'LANDSCAPE' | null {
  if (ar === null) return 'PORTRAIT';
  if (ar === '4' || ar === '1') return 'PORTRAIT';
  if (ar === '5') return 'LANDSCAPE';
  return null;
}

const SIZES = { PORTRAIT: { width: 720, height: 1280 }, LANDSCAPE: { width: 1280, height: 720 } } as const;

function imageContextId(raw: string | null): string | null | undefined {
  if (raw === null) return undefined;
  try {
    const context = JSON.parse(raw) as Array<{ InputMediaList?: Array<{ MediaId?: unknown }> }>;
    const id = context[0]?.InputMediaList?.[0]?.MediaId;
    return typeof id === 'string' ? id : null;
  } catch {
    return null;
  }
}

function sniffed(bytes: Buffer): string | null {
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP')
    return 'image/webp';
  return null;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Enough that no ordinary test or demo runs out; the tests of running out configure fewer. */
export const DEFAULT_FAST_CREATIONS = 100;

export class VideoSim implements VideoAnswers {
  readonly extras = new Map<string, VideoJobExtras>();
  readonly uploads = new Map<string, Upload>();
  readonly iid = `${randomBytes(4).toString('hex').toUpperCase()}.${randomBytes(2).toString('hex')}`;
  /** The SID of the `_SS` cookie the simulator sets; the upload's `sid` must match it (or the request's own `_SS`). */
  readonly sid = randomBytes(16).toString('hex').toUpperCase();
  #fastCreations: number | null = DEFAULT_FAST_CREATIONS;
  #countForm: FastCountForm = 'remaining';
  #countOnWarmUp = false;
  #upload: UploadBehaviour = 'ok';
  readonly #fastUsed = new Map<string, number>();

  configure(c: VideoConfiguration): void {
    if (c.fastCreations !== undefined) {
      if (c.fastCreations !== null && !(Number.isInteger(c.fastCreations) && c.fastCreations >= 0)) {
        throw new TypeError('fastCreations must be an integer >= 0 or null');
      }
      this.#fastCreations = c.fastCreations;
    }
    if (c.fastCountForm !== undefined) {
      if (!FAST_COUNT_FORMS.includes(c.fastCountForm))
        throw new TypeError(`fastCountForm must be one of ${FAST_COUNT_FORMS.join(', ')}`);
      this.#countForm = c.fastCountForm;
    }
    if (c.countOnWarmUp !== undefined) this.#countOnWarmUp = c.countOnWarmUp === true;
    if (c.upload !== undefined) {
      if (!['ok', 'error', 'json-error'].includes(c.upload))
        throw new TypeError('upload must be ok, error or json-error');
      this.#upload = c.upload;
    }
  }

  /** Forgets jobs, uploads and spent fast creations; keeps the configuration. */
  reset(): void {
    this.extras.clear();
    this.uploads.clear();
    this.#fastUsed.clear();
  }

  /** Free fast creations a cookie has left; null when unlimited. */
  fastLeft(cookie: string): number | null {
    if (this.#fastCreations === null) return null;
    return Math.max(0, this.#fastCreations - (this.#fastUsed.get(cookie) ?? 0));
  }

  #session(ctx: Context) {
    return { ...ctx.state.session, iid: this.iid };
  }

  #count(cookie: string): string {
    return fastCount(this.#countForm, this.fastLeft(cookie));
  }

  #ssCookie(): Record<string, string> {
    return { 'set-cookie': `_SS=SID=${this.sid}&R=0&RB=0; domain=127.0.0.1; path=/; HttpOnly` };
  }

  /** The answer to a video request, or null when the request is not one (images, media, control). */
  async route(
    ctx: Context,
    method: string,
    path: string,
    headers: { cookie?: string | undefined; contentType?: string | undefined },
  ): Promise<Answer | null> {
    const query = ctx.url.searchParams;
    const cookieHeader = headers.cookie;
    const cookie = cookieValue(cookieHeader, '_U') ?? '';
    if (method === 'GET' && path === VIDEO_PATH) {
      const id = query.get('id');
      if (id !== null) return poll(ctx, id, 'fallback');
      if (!ctx.cookieValid) return html(signedOutPage());
      return html(
        generatorPage(this.#session(ctx), '', this.#countOnWarmUp ? this.#count(cookie) : ''),
        200,
        this.#ssCookie(),
      );
    }
    if (method === 'GET' && path === CREATE_PATH && query.get('ctype') === 'video' && query.get('id') === null) {
      if (!ctx.cookieValid) return html(signedOutPage());
      return html(
        signedInPage(ctx.state.session, '', `<div id="vidgen">${this.#count(cookie)}</div>`),
        200,
        this.#ssCookie(),
      );
    }
    if (method === 'POST' && path === VIDEO_PATH) return this.#submit(ctx, 'generator', cookie);
    if (method === 'POST' && path === CREATE_PATH && query.get('ctype') === 'video')
      return this.#submit(ctx, 'create', cookie);
    if (method === 'POST' && path === UPLOAD_PATH) return this.#uploadAnswer(ctx, cookieHeader, headers.contentType);
    const generatorResults = method === 'GET' ? VIDEO_RESULTS_PATTERN.exec(path) : null;
    if (generatorResults) {
      const id = safeDecode(generatorResults[1]!);
      return id === null ? html(notFoundPage(), 404) : poll(ctx, id, 'generator');
    }
    const detail = method === 'GET' ? DETAIL_PATTERN.exec(path) : null;
    if (detail) return this.#detail(ctx, safeDecode(detail[1]!));
    return null;
  }

  #submit(ctx: Context, form: 'generator' | 'create', cookie: string): Answer {
    const query = ctx.url.searchParams;
    const fields = new URLSearchParams(ctx.body);
    const prompt = query.get('q') ?? fields.get('q') ?? '';
    const scenario = resolveScenario(prompt, ctx.state.override);
    const video = parseVideoDirectives(prompt);
    if (form === 'generator' && scenario.noDedicated) return html(notFoundPage(), 404);
    if (!ctx.cookieValid) return html(signedOutPage());
    const { session } = ctx.state;
    if (prompt.trim() === '') return html(rejectionPage('home', session, prompt));
    // Wrappers disagree on `mdl` (0 for fast, 1 or nothing for standard): all of them are taken.
    const mdl = query.get('mdl');
    if (mdl !== null && !['0', '1'].includes(mdl.trim()))
      return { status: 400, headers: { 'content-type': 'text/plain' }, body: 'Unknown model' };
    const aspect = aspectOf(query.get('ar'));
    if (!aspect) return { status: 400, headers: { 'content-type': 'text/plain' }, body: 'Unknown aspect' };
    if (scenario.submit !== 'success') return html(rejectionPage(scenario.submit, session, prompt));
    if (video.throttle)
      return html(
        errorPage(session, prompt, 'Too many requests. You have too many concurrent creations; try again later.'),
      );
    if (video.unavailable) return html(errorPage(session, prompt, video.unavailable));
    if (video.needIg && (query.get('IG') !== session.ig || query.get('IID') !== this.iid)) {
      return html(generatorPage(this.#session(ctx), prompt, ''));
    }
    const image = imageContextId(query.get('ctxt') ?? fields.get('ctxt'));
    if (image === null || (image !== undefined && !this.uploads.has(image))) {
      return html(errorPage(session, prompt, "We couldn't find the image for this video. Upload it again."));
    }
    const mode = modeOf(query);
    if (mode === 'FAST') {
      const left = this.fastLeft(cookie);
      // No fast creation left: the page answers again, without a Location, saying so.
      if (left === 0)
        return html(
          generatorPage(
            this.#session(ctx),
            prompt,
            fastCount(this.#countForm === 'none' ? 'none' : this.#countForm, 0),
          ),
        );
      if (left !== null) this.#fastUsed.set(cookie, (this.#fastUsed.get(cookie) ?? 0) + 1);
    }
    const job = createJob(
      { kind: mode === 'FAST' ? 'VIDEO' : 'VIDEO_STANDARD', prompt, aspect: Number(query.get('ar') ?? 4), scenario },
      ctx.state.timing,
      Date.now(),
    );
    ctx.state.jobs.set(job.id, job);
    this.extras.set(job.id, {
      mode,
      scenario: video,
      card: { imageId: `OIGV.${randomBytes(8).toString('hex')}`, skey: randomBytes(6).toString('base64url') },
      image: image ?? null,
    });
    if (video.idInBody) return html(idInBodyPage(session, prompt, job.id, ctx.origin));
    const location =
      `${CREATE_PATH}?q=${encodeURIComponent(prompt)}&rt=${mode === 'FAST' ? 4 : 3}&FORM=GENCRE&id=${job.id}&ctype=video` +
      (scenario.nfy ? '&nfy=1' : '');
    return { status: 302, headers: { ...HTML, location }, body: '' };
  }

  async #uploadAnswer(
    ctx: Context,
    cookieHeader: string | undefined,
    contentType: string | undefined,
  ): Promise<Answer> {
    if (!ctx.cookieValid) return json(errorJson('Unauthorized'), 401);
    const sid = ctx.url.searchParams.get('sid') ?? '';
    const own = /(?:^|&)SID=([\w.-]+)/.exec(cookieValue(cookieHeader, '_SS') ?? '')?.[1];
    if (sid === '' || (sid !== this.sid && sid !== own)) return json(errorJson('Invalid session'), 400);
    if (this.#upload === 'error') return html('<h1>Service unavailable</h1>', 500);
    if (this.#upload === 'json-error') return json(errorJson('Image upload failed'), 400);
    const type = contentType ?? '';
    if (!/^multipart\/form-data/i.test(type)) return json(errorJson('Expected multipart/form-data'), 400);
    let value: FormDataEntryValue | null;
    try {
      value = (await new Response(ctx.body, { headers: { 'content-type': type } }).formData()).get('imageBase64');
    } catch {
      return json(errorJson('Malformed multipart body'), 400);
    }
    if (typeof value !== 'string' || value === '') return json(errorJson('Missing imageBase64'), 400);
    const bytes = Buffer.from(value, 'base64');
    const imageType = sniffed(bytes);
    if (!imageType) return json(errorJson('Unsupported image'), 400);
    const bcid = randomBytes(12).toString('hex');
    this.uploads.set(bcid, { bcid, bytes: bytes.length, type: imageType });
    return json(JSON.stringify({ bcid }));
  }

  #videoJob(ctx: Context, id: string): { job: SimJob; extras: VideoJobExtras } | null {
    const job = ctx.state.jobs.get(id);
    if (!job || !isVideoKind(job.kind)) return null;
    const extras = this.extras.get(id) ?? {
      mode: job.kind === 'VIDEO' ? 'FAST' : 'STANDARD',
      scenario: { ...DEFAULT_VIDEO_SCENARIO },
      card: { imageId: `OIGV.${id.slice(2, 18)}`, skey: 'k' },
      image: null,
    };
    return { job, extras };
  }

  /** Whether a poll of this job on this endpoint finds it at all (the generator's results path can be missing). */
  answers(job: SimJob, endpoint: VideoEndpoint): boolean {
    return !(endpoint === 'generator' && this.extras.get(job.id)?.scenario.noGeneratorResults);
  }

  /**
   * A video poll's answer once the faults are past (routes.ts counts and plays them), on either results
   * path or the generator page; `final` marks the answer that ends the job for a client.
   */
  answer(
    ctx: Context,
    job: SimJob,
    endpoint: VideoEndpoint,
    n: number,
    now: number,
  ): { answer: Answer; final: boolean } {
    const { extras } = this.#videoJob(ctx, job.id)!;
    const s = job.scenario;
    const v = extras.scenario;
    const done = phaseAt(job, now) === 'done';
    const final = (answer: Answer) => ({ answer, final: true });
    const pending = (answer: Answer) => ({ answer, final: false });
    if (endpoint === 'fallback') {
      const page = (extra: string) => html(generatorPage(this.#session(ctx), job.prompt, extra));
      if (!done || s.videoError !== null || v.fail !== null)
        return pending(page('<div class="vid_prog">Generating...</div>'));
      if (s.videoRejected) return final(html(rejectionPage('blocked', ctx.state.session, job.prompt)));
      return final(page(videoOurlBody(videoUrl(job, ctx.origin))));
    }
    if (!done) return pending(json(v.pendingShowContent ? pendingShowContentJson() : videoPendingJson(n)));
    if (s.videoError !== null) return final(json(errorJson(s.videoError)));
    if (v.fail !== null) return final(html(errorPage(ctx.state.session, job.prompt, v.fail)));
    if (s.videoRejected) return final(html(rejectionPage('blocked', ctx.state.session, job.prompt)));
    if (s.garbage) return pending(html(garbageBody(n)));
    const url = videoUrl(job, ctx.origin);
    const size = { ...SIZES[aspectOf(String(job.aspect)) ?? 'PORTRAIT'], seconds: v.seconds };
    switch (s.video) {
      case 'showcontent':
        return final(json(JSON.stringify({ showContent: url })));
      case 'ourl':
        return final(html(videoOurlBody(url)));
      case 'value':
        return final(json(valueJson(job, url, size)));
      case 'cards':
        return pending(html(cardsPage(job, extras.card)));
      case 'fallback':
        return pending(html('<!DOCTYPE html><html><body><div id="vidcont" class="vid_cont"></div></body></html>'));
    }
  }

  #detail(ctx: Context, id: string | null): Answer {
    if (!ctx.cookieValid) return html(signedOutPage());
    const found = id === null ? null : this.#videoJob(ctx, id);
    if (!found) return json(errorJson('Not found'), 404);
    const { job, extras } = found;
    const query = ctx.url.searchParams;
    if (
      query.get('imageId') !== extras.card.imageId ||
      query.get('skey') !== extras.card.skey ||
      query.get('datatype') !== 'video'
    ) {
      return json(JSON.stringify({ value: [] }));
    }
    if (phaseAt(job, Date.now()) !== 'done') return json(JSON.stringify({ value: [] }));
    if (job.firstSeenDoneAt === null) job.firstSeenDoneAt = Date.now();
    const size = { ...SIZES[aspectOf(String(job.aspect)) ?? 'PORTRAIT'], seconds: extras.scenario.seconds };
    return json(valueJson(job, videoUrl(job, ctx.origin), size));
  }
}
