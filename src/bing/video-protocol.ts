/**
 * Bing's video creator (Sora): its modes, the warm-up and count pages, both submit forms for both modes,
 * both poll paths, the detail call and the image upload. Pure URL and body builders; the flow is in
 * video-session.ts.
 */

/** Fast spends one of the account's free fast creations; standard never does and takes much longer. */
export type VideoMode = 'FAST' | 'STANDARD';
export const VIDEO_MODE_NAMES: readonly VideoMode[] = ['FAST', 'STANDARD'];

/** The wire codes of each mode: `rt` as for images, `sm` and `pt` as the video pages send them. */
export const VIDEO_MODES = {
  FAST: { rt: 4, sm: 1, pt: 4 },
  STANDARD: { rt: 3, sm: 0, pt: 3 },
} as const;

/**
 * `ar` values disagree between wrappers: 4 portrait / 5 landscape in one, 1 (9:16) / 5 (16:9) in another.
 * The client sends the first; whoever reads a submit (the simulator) accepts both.
 */
export const VIDEO_WIRE_ASPECTS = {
  PORTRAIT: { ar: 4, ratio: '9:16', alternates: [1] },
  LANDSCAPE: { ar: 5, ratio: '16:9', alternates: [] },
} as const;
export type VideoWireAspect = keyof typeof VIDEO_WIRE_ASPECTS;

/** The aspect a submit's `ar` names, in any of the wrappers' variants; null for anything else. */
export function videoAspectFromAr(ar: string | null): VideoWireAspect | null {
  const code = Number(ar ?? '');
  for (const [name, aspect] of Object.entries(VIDEO_WIRE_ASPECTS) as [
    VideoWireAspect,
    (typeof VIDEO_WIRE_ASPECTS)[VideoWireAspect],
  ][]) {
    if (aspect.ar === code || (aspect.alternates as readonly number[]).includes(code)) return name;
  }
  return null;
}

export const CREATE_PATH = '/images/create';
export const VIDEO_PATH = '/images/create/ai-video-generator';
export const VIDEO_RESULTS_PATH = '/images/create/ai-video-generator/async/results/';
export const RESULTS_PATH = '/images/create/async/results/';
export const DETAIL_PATH = '/images/create/detail/async/';
export const UPLOAD_PATH = '/images/create/upload';

/** The generator page, loaded before a submit: it carries the IG and IID values the submit may need. */
export function videoWarmUpUrl(origin: string): URL {
  const url = new URL(VIDEO_PATH, origin);
  url.search = new URLSearchParams({ FORM: 'GENEXP', ctype: 'video' }).toString();
  return url;
}

/** The page that states how many fast creations are left. */
export function videoCountUrl(origin: string): URL {
  const url = new URL(CREATE_PATH, origin);
  url.search = new URLSearchParams({ ctype: 'video', FORM: 'GENEXP', rt: '4' }).toString();
  return url;
}

/** `generator`: the dedicated endpoint (tried first); `create`: the Image Creator endpoint with `ctype=video`. */
export type VideoSubmitForm = 'generator' | 'create';
export const VIDEO_SUBMIT_FORMS: readonly VideoSubmitForm[] = ['generator', 'create'];

export interface VideoSubmit {
  prompt: string;
  aspect: VideoWireAspect;
  mode: VideoMode;
  /** Added on the one repeat after a 200 answer. */
  ig?: string | null | undefined;
  iid?: string | null | undefined;
  /** The uploaded source image, for image-to-video. */
  bcid?: string | null | undefined;
}

export interface PreparedVideoRequest {
  url: URL;
  body: string;
  referer: string;
}

/** The context that points a submit at an uploaded image. */
export function imageContext(bcid: string): string {
  return JSON.stringify([{ InputMediaList: [{ MediaSource: 1, MediaType: 0, MediaId: bcid }] }]);
}

export function videoSubmitRequest(origin: string, form: VideoSubmitForm, s: VideoSubmit): PreparedVideoRequest {
  const mode = VIDEO_MODES[s.mode];
  const aspect = VIDEO_WIRE_ASPECTS[s.aspect];
  const query = new URLSearchParams({ q: s.prompt, rt: String(mode.rt) });
  // One wrapper sends `mdl=0` with fast and nothing with standard; another `mdl=1` with standard. Standard sends none.
  if (s.mode === 'FAST') query.set('mdl', '0');
  query.set('sm', String(mode.sm));
  query.set('pt', String(mode.pt));
  query.set('FORM', 'GENCRE');
  query.set('ar', String(aspect.ar));
  if (form === 'create') query.set('ctype', 'video');
  if (s.ig) query.set('IG', s.ig);
  if (s.iid) query.set('IID', s.iid);
  const url = new URL(form === 'generator' ? VIDEO_PATH : CREATE_PATH, origin);
  url.search = query.toString();
  const body = new URLSearchParams({ q: s.prompt, model: 'gpt4o', aspectRatio: aspect.ratio });
  if (s.bcid) body.set('ctxt', imageContext(s.bcid));
  const referer = form === 'generator' ? new URL(VIDEO_PATH, origin) : new URL(`${CREATE_PATH}?ctype=video`, origin);
  return { url, body: body.toString(), referer: referer.toString() };
}

/** `mode`: the results endpoint of the submit's mode; `other`: the other mode's, when that one is missing. */
export interface VideoPoll {
  requestId: string;
  prompt: string;
  aspect: VideoWireAspect;
  mode: VideoMode;
  ig?: string | null | undefined;
}

/** Fast polls go to the generator's results, standard ones to Image Creator's; `path` can pick the other. */
export function videoPollUrl(
  origin: string,
  p: VideoPoll,
  path: 'generator' | 'create' = p.mode === 'FAST' ? 'generator' : 'create',
): URL {
  const url = new URL(
    (path === 'generator' ? VIDEO_RESULTS_PATH : RESULTS_PATH) + encodeURIComponent(p.requestId),
    origin,
  );
  const query = new URLSearchParams({
    q: p.prompt,
    mmasync: '1',
    sm: String(VIDEO_MODES[p.mode].sm),
    mdl: '0',
    ar: String(VIDEO_WIRE_ASPECTS[p.aspect].ar),
    ctype: 'video',
    IID: 'images.as',
    girftp: '1',
  });
  if (p.ig) query.set('IG', p.ig);
  url.search = query.toString();
  return url;
}

/** The generator page, reloaded: the last poll to try when the results endpoint gives nothing usable. */
export function videoFallbackPollUrl(origin: string, p: VideoPoll): URL {
  const mode = VIDEO_MODES[p.mode];
  const url = new URL(VIDEO_PATH, origin);
  url.search = new URLSearchParams({
    q: p.prompt,
    id: p.requestId,
    rt: String(mode.rt),
    pt: String(mode.pt),
    FORM: 'GUH2CR',
    dmreload: '1',
  }).toString();
  return url;
}

/** The call an HTML card answer needs: its JSON carries the video itself. */
export function videoDetailUrl(origin: string, requestId: string, card: { imageId: string; skey: string | null }): URL {
  const url = new URL(DETAIL_PATH + encodeURIComponent(requestId), origin);
  const query = new URLSearchParams({ imageId: card.imageId, ctype: 'video' });
  if (card.skey) query.set('skey', card.skey);
  query.set('datatype', 'video');
  url.search = query.toString();
  return url;
}

/** Written as the wrapper writes it, `?&sid=`; the SID comes from the `_SS` cookie. */
export function videoUploadUrl(origin: string, sid: string | null): URL {
  const url = new URL(UPLOAD_PATH, origin);
  url.search = `?&sid=${encodeURIComponent(sid ?? '')}`;
  return url;
}

/** The SID inside an `_SS` cookie value (`SID=...&R=...`), or null. */
export function sidFromSs(value: string | null | undefined): string | null {
  if (!value) return null;
  const sid = /(?:^|&)SID=([\w.-]{1,200})/i.exec(value)?.[1];
  return sid ?? null;
}

/** Video request ids start with `4-`; an image id (`1-`) back from a video submit is accepted as well. */
export function isVideoRequestId(id: string): boolean {
  return /^4-[\w.-]{1,198}$/.test(id);
}
