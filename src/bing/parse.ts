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
      'gil_err_img blocked_bd',
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
  {
    markers: ["we've run into an issue", 'the page is currently unavailable'],
    error: () => incompleteSession('Bing answered that the page is currently unavailable'),
  },
];

/** What Bing answers a session it finds incomplete with; the cure users found is the full cookie set. */
export function incompleteSession(what: string): BingError {
  return new BingError(
    'UPSTREAM',
    `${what}, which it does for an incomplete session. Paste the full cookie set of a signed-in browser (BING_COOKIES) rather than _U alone.`,
  );
}

/** The text of Bing's own error boxes (`<div id="gil_err_msg">`, `class="gil_err_tc"`), when they hold any. */
function errorBoxText(body: string): string | null {
  const box =
    /<(\w+)[^>]*\bid\s*=\s*"gil_err_msg"[^>]*>([\s\S]*?)<\/\1>/i.exec(body) ??
    /<(\w+)[^>]*\bclass\s*=\s*"[^"]*\bgil_err_tc\b[^"]*"[^>]*>([\s\S]*?)<\/\1>/i.exec(body);
  if (!box) return null;
  const text = decodeHTML(box[2]!.replace(/<[^>]*>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();
  return text === '' ? null : text;
}

/** The rejection a page announces, if any. */
export function classifyRejection(body: string): BingError | null {
  const text = comparable(body);
  for (const rejection of REJECTIONS) {
    if (rejection.markers.some((marker) => text.includes(marker))) return rejection.error();
  }
  return null;
}

/** An image page's failure: a known marker, or the reason Bing's error box states. */
export function classifyImagePage(body: string): BingError | null {
  const known = classifyRejection(body);
  if (known) return known;
  const reason = errorBoxText(body);
  if (reason === null) return null;
  if (/block|content policy|unsafe/i.test(reason)) {
    return new BingError('PROMPT_REJECTED', `Bing refused this prompt: ${upstreamText(reason)}`);
  }
  return new BingError('UPSTREAM', `Bing could not create it: ${upstreamText(reason)}`);
}

/**
 * A submit answered with a page instead of a redirect. Without a known marker it is almost always the
 * signed-out home page: the cookie is invalid or expired.
 */
export function classifySubmitPage(body: string): BingError {
  return (
    classifyImagePage(body) ??
    new BingError(
      'AUTH',
      'Bing did not accept the request: the _U cookie is invalid or has expired. Sign in again and set a fresh cookie.',
    )
  );
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

/**
 * Pending, and how sure the client is of it: `pending-json` is Bing's `{"errorMessage":"Pending"}`, which
 * an incomplete session also gets forever; `unrecognised` is a page this client was not written for.
 * Either one that lasts past the model's expected time ends the generation.
 */
export type PendingHint = 'pending-json' | 'unrecognised';

export type ImagePollState =
  | { state: 'pending'; hint?: PendingHint }
  | { state: 'partial' }
  | { state: 'done'; images: string[]; revisedPrompt: string | null };

const IMG_TAG = /<img\b[^>]*>/gi;
const RESULT_MARKUP = /gir_mmimg|image-row-img|class="mimg|\/th\/id\//i;
/** The finished result page links a stylesheet; peers stop polling on it. */
const STYLED = /text\/css/i;
/** What Bing's still-generating pages carry. */
const PENDING_MARKUP = /GenerativeImagesStatusPage|id="giloader"|class="gil_ltxt"/i;

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
/** The sign-in invitation of a signed-out page (Image Creator's "Join & create" box, the sign-in link). */
const SIGNED_OUT = /id="gil_signin"|href="[^"]*\/fd\/auth\/signin/i;

export function parseImagePoll(body: string, origin: string): ImagePollState {
  const trimmed = body.trim();
  if (trimmed === '') return { state: 'pending' };

  if (trimmed.startsWith('{')) {
    const json = parseJson(trimmed);
    if (!json) throw unparseable('image');
    const message = json['errorMessage'];
    if (typeof message === 'string') {
      if (PENDING_MESSAGE.test(message)) return { state: 'pending', hint: 'pending-json' };
      throw failureFromMessage(message, 'images');
    }
    throw unparseable('image');
  }

  const rejection = classifyImagePage(trimmed);
  if (rejection) throw rejection;
  if (/GenerativeImagesStatusPage/i.test(trimmed)) return { state: 'pending' };
  if (/imgri-inner-container\s+strm/i.test(trimmed)) return { state: 'partial' };

  const styled = STYLED.test(trimmed);
  const tags = trimmed.match(IMG_TAG) ?? [];
  const sources = tags.map((tag) => attribute(tag, 'src')).filter((src): src is string => src !== null);
  // Pages carry icons and logos too (under /rp/ for instance): only /th/id/ images and the placeholders are results.
  const candidates = sources.filter((src) => /\/th\/id\//i.test(decodeHTML(src)) || isPlaceholderImage(src));
  if (candidates.length === 0) {
    if (styled) throw finishedWithoutImage();
    if (SIGNED_OUT.test(trimmed)) {
      throw new BingError(
        'AUTH',
        'Bing answered a poll with its sign-in page: the cookie expired while the generation was running.',
      );
    }
    if (!trimmed.includes('<') || (sources.length === 0 && RESULT_MARKUP.test(trimmed))) throw unparseable('image');
    return PENDING_MARKUP.test(trimmed) ? { state: 'pending' } : { state: 'pending', hint: 'unrecognised' };
  }

  const images = normaliseImageUrls(candidates, origin);
  if (images.length === 0) {
    if (candidates.some(isPlaceholderImage)) {
      throw new BingError(
        'PROMPT_REJECTED',
        'Bing filtered out every image it made for this prompt. Rephrase it and try again.',
      );
    }
    throw finishedWithoutImage();
  }
  return { state: 'done', images, revisedPrompt: revisedPrompt(trimmed, tags) };
}

function finishedWithoutImage(): BingError {
  return new BingError('UPSTREAM', 'Bing finished the generation but returned no image this client can use.');
}
