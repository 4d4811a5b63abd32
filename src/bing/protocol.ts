/**
 * Bing Image Creator's request vocabulary: model and aspect codes, and the URLs and form bodies of
 * each endpoint. Pure functions only; the client decides when to call what.
 */

export const IMAGE_MODELS = {
  DALLE: { mdl: 0, form: 'dalle' },
  GPT4O: { mdl: 1, form: 'gpt4o' },
  MAI1: { mdl: 4, form: 'maiimage1' },
} as const;
export type ImageModel = keyof typeof IMAGE_MODELS;
export const IMAGE_MODEL_NAMES = Object.keys(IMAGE_MODELS) as ImageModel[];

export const IMAGE_ASPECTS = {
  SQUARE: { ar: 1, ratio: '1:1' },
  LANDSCAPE: { ar: 2, ratio: '7:4' },
  PORTRAIT: { ar: 3, ratio: '4:7' },
} as const;
export type ImageAspect = keyof typeof IMAGE_ASPECTS;
export const IMAGE_ASPECT_NAMES = Object.keys(IMAGE_ASPECTS) as ImageAspect[];

export const VIDEO_ASPECTS = {
  PORTRAIT: { ar: 4 },
  LANDSCAPE: { ar: 5 },
} as const;
export type VideoAspect = keyof typeof VIDEO_ASPECTS;
export const VIDEO_ASPECT_NAMES = Object.keys(VIDEO_ASPECTS) as VideoAspect[];

/** What the poll schedule and the deadlines are keyed by: `VIDEO` is a fast-mode video, `VIDEO_STANDARD` a standard one. */
export type GenerationKind = ImageModel | 'VIDEO' | 'VIDEO_STANDARD';

/** `4` spends a boost and is fast; `3` is the slow queue, the fallback when `4` is refused. */
export type RequestType = 3 | 4;

const CREATE_PATH = '/images/create';
const RESULTS_PATH = '/images/create/async/results/';

export interface ImageSubmit {
  prompt: string;
  model: ImageModel;
  aspect: ImageAspect;
  rt: RequestType;
  ig?: string | undefined;
}

export function imageSubmitUrl(origin: string, s: ImageSubmit): URL {
  const url = new URL(CREATE_PATH, origin);
  url.searchParams.set('q', s.prompt);
  url.searchParams.set('rt', String(s.rt));
  url.searchParams.set('mdl', String(IMAGE_MODELS[s.model].mdl));
  url.searchParams.set('ar', String(IMAGE_ASPECTS[s.aspect].ar));
  url.searchParams.set('FORM', 'GENCRE');
  if (s.ig) url.searchParams.set('IG', s.ig);
  return url;
}

export function imageSubmitBody(s: Pick<ImageSubmit, 'prompt' | 'model' | 'aspect'>): string {
  return new URLSearchParams({
    q: s.prompt,
    qs: 'ds',
    model: IMAGE_MODELS[s.model].form,
    aspectRatio: IMAGE_ASPECTS[s.aspect].ratio,
  }).toString();
}

export interface ImagePoll {
  requestId: string;
  prompt: string;
  model: ImageModel;
  aspect: ImageAspect;
  ig?: string | undefined;
}

export function imagePollUrl(origin: string, p: ImagePoll): URL {
  const url = new URL(RESULTS_PATH + encodeURIComponent(p.requestId), origin);
  url.searchParams.set('q', p.prompt);
  url.searchParams.set('mdl', String(IMAGE_MODELS[p.model].mdl));
  url.searchParams.set('ar', String(IMAGE_ASPECTS[p.aspect].ar));
  if (p.ig) {
    url.searchParams.set('IG', p.ig);
    url.searchParams.set('IID', 'images.as');
  }
  return url;
}

export function sessionPageUrl(origin: string): URL {
  return new URL(CREATE_PATH, origin);
}

/** The request id is the `id` parameter of a submit's redirect. */
export function requestIdFromLocation(location: string, origin: string): string | null {
  try {
    const id = new URL(location, origin).searchParams.get('id');
    return id && /^[\w.-]{1,200}$/.test(id) ? id : null;
  } catch {
    return null;
  }
}
