/**
 * Bing's answers, read: submit pages, image and video poll bodies, the session page. Every function here
 * is pure and either returns a state or throws a classified BingError; nothing is left unrecognised.
 */
import { decodeHTML } from 'entities';
import { BingError } from './errors.js';
import { isPlaceholderImage, normaliseImageUrls } from './media.js';

const MAX_UPSTREAM_MESSAGE = 300;

/** Lower case, entities decoded, typographic apostrophes folded: what the markers are matched against. */
function comparable(text: string): string {
  return decodeHTML(text)
    .toLowerCase()
    .replace(/[\u2018\u2019]/g, "'");
}

const REJECTIONS: ReadonlyArray<{ markers: string[]; error: () => BingError }> = [
  {
    markers: [
      'this prompt has been blocked',
      'girer_center block_icon',
      'data-clarity-tag="blockedbycontentpolicy"',
      'dq-err="',
    ],
    error: () =>
      new BingError('PROMPT_REJECTED', 'Bing blocked this prompt under its content policy. Rephrase it and try again.'),
  },
  {
    markers: ['this prompt is being reviewed'],
    error: () =>
      new BingError(
        'PROMPT_REJECTED',
        'Bing is holding this prompt for review, so it made nothing. Rephrase it and try again.',
      ),
  },
  {
    markers: ['unsafe image content detected'],
    error: () =>
      new BingError(
        'PROMPT_REJECTED',
        'Bing withheld the result because it detected unsafe content. Rephrase the prompt and try again.',
      ),
  },
  {
    markers: ["we're working hard to offer image creator in more languages"],
    error: () =>
      new BingError(
        'UNSUPPORTED_LANGUAGE',
        'Bing Image Creator does not support the language of this prompt yet. Try it in English.',
      ),
  },
  {
    markers: ["you can't submit any more prompts"],
    error: () =>
      new BingError('RATE_LIMITED', "The Bing account's quota is used up for now. Try again later.", {
        retryAfterSeconds: 3600,
      }),
  },
  {
    markers: ["we can't create your images right now"],
    error: () =>
      new BingError('UPSTREAM', 'Bing Image Creator is temporarily unavailable. Try again in a few minutes.'),
  },
];

/** The rejection a page announces, if any. */
export function classifyRejection(body: string): BingError | null {
  const text = comparable(body);
  for (const rejection of REJECTIONS) {
    if (rejection.markers.some((marker) => text.includes(marker))) return rejection.error();
  }
  return null;
}

/**
 * A submit answered with a page instead of a redirect. Without a known marker it is almost always the
 * signed-out home page: the cookie is invalid or expired.
 */
export function classifySubmitPage(body: string): BingError {
  return (
    classifyRejection(body) ??
    new BingError(
      'AUTH',
      'Bing did not accept the request: the _U cookie is invalid or has expired. Sign in again and set a fresh cookie.',
    )
  );
}

export interface SessionPage {
  signedIn: boolean;
  ig: string | null;
}

export function parseSessionPage(html: string): SessionPage {
  return {
    signedIn: html.includes('id="id_a" style="display:none"'),
    ig: /IG:"([0-9A-Fa-f]+)"/.exec(html)?.[1] ?? null,
  };
}

function upstreamText(text: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return clean.length > MAX_UPSTREAM_MESSAGE ? `${clean.slice(0, MAX_UPSTREAM_MESSAGE)}…` : clean;
}

function unparseable(what: string): BingError {
  return new BingError('UPSTREAM', `Bing answered the ${what} poll with something this client cannot read.`, {
    retryable: true,
  });
}

const PENDING_MESSAGE = /^\s*(still\s+)?pending\s*$/i;

function parseJson(body: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(body);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** A JSON `errorMessage` that is not "pending": a failure, classified by its text when it carries a marker. */
function failureFromMessage(message: string, what: 'images'): BingError {
  return (
    classifyRejection(message) ??
    new BingError('UPSTREAM', `Bing could not create the ${what}: ${upstreamText(message) || 'no reason given'}.`)
  );
}

export type ImagePollState =
  | { state: 'pending' }
  | { state: 'partial' }
  | { state: 'done'; images: string[]; revisedPrompt: string | null };

const IMG_TAG = /<img\b[^>]*>/gi;
const RESULT_MARKUP = /gir_mmimg|image-row-img|class="mimg|\/th\/id\//i;

function attribute(tag: string, name: string): string | null {
  const match = new RegExp(`\\s${name}\\s*=\\s*("([^"]*)"|'([^']*)')`, 'i').exec(tag);
  return match ? (match[2] ?? match[3] ?? null) : null;
}

function revisedPrompt(html: string, tags: string[]): string | null {
  const selcap = /data-selcap\s*=\s*"([^"]*)"/i.exec(html)?.[1];
  if (selcap?.trim()) return decodeHTML(selcap).trim();
  for (const tag of tags) {
    if (/class\s*=\s*"[^"]*\bimage-row-img\b/i.test(tag)) {
      const alt = attribute(tag, 'alt');
      if (alt?.trim()) return decodeHTML(alt).trim();
    }
  }
  return null;
}

/**
 * One image poll's body. Throws a BingError for a failure; a `retryable` one when the body could not be
 * read at all, since the next poll may well read fine.
 */
export function parseImagePoll(body: string, origin: string): ImagePollState {
  const trimmed = body.trim();
  if (trimmed === '') return { state: 'pending' };

  if (trimmed.startsWith('{')) {
    const json = parseJson(trimmed);
    if (!json) throw unparseable('image');
    const message = json['errorMessage'];
    if (typeof message === 'string') {
      if (PENDING_MESSAGE.test(message)) return { state: 'pending' };
      throw failureFromMessage(message, 'images');
    }
    throw unparseable('image');
  }

  const rejection = classifyRejection(trimmed);
  if (rejection) throw rejection;
  if (/imgri-inner-container\s+strm/i.test(trimmed)) return { state: 'partial' };

  const tags = trimmed.match(IMG_TAG) ?? [];
  const sources = tags.map((tag) => attribute(tag, 'src')).filter((src): src is string => src !== null);
  if (sources.length === 0) {
    if (RESULT_MARKUP.test(trimmed) || !trimmed.includes('<')) throw unparseable('image');
    return { state: 'pending' };
  }
  // Pages carry icons and logos too (under /rp/ for instance): only /th/id/ images and the placeholders are results.
  const candidates = sources.filter((src) => /\/th\/id\//i.test(decodeHTML(src)) || isPlaceholderImage(src));
  if (candidates.length === 0) return { state: 'pending' };

  const images = normaliseImageUrls(candidates, origin);
  if (images.length === 0) {
    if (candidates.some(isPlaceholderImage)) {
      throw new BingError(
        'PROMPT_REJECTED',
        'Bing filtered out every image it made for this prompt. Rephrase it and try again.',
      );
    }
    throw new BingError('UPSTREAM', 'Bing finished the generation but returned no image this client can use.');
  }
  return { state: 'done', images, revisedPrompt: revisedPrompt(trimmed, tags) };
}
