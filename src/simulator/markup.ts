/**
 * The HTML and JSON bodies the simulator answers with. Each rejection page carries exactly one of the
 * markers from the protocol doc, so a client's classification of each can be tested on its own.
 */

import type { SimJob } from './jobs.js';
import { stripDirectives, type SubmitOutcome } from './scenario.js';
import { PLACEHOLDER_IMAGES, imageCount, imageName, imageSrc } from './urls.js';

/** How the session page writes IG and Salt (`IG:"..."`, `_G.IG="..."`, `"IG":"..."`, `IG=...` in a URL). */
export const SESSION_FORMS = ['object', 'assign', 'json', 'url'] as const;
export type SessionForm = (typeof SESSION_FORMS)[number];
/** How the session page shows the boost balance, if at all. */
export const BOOST_FORMS = ['token_bal', 'aria', 'reward_c', 'coins', 'none'] as const;
export type BoostForm = (typeof BOOST_FORMS)[number];

export interface Session {
  ig: string;
  salt: string;
  /** How the page writes IG and Salt; default `IG:"..."` in the `_G` object. */
  form?: SessionForm;
  /** The boost balance to show, and in which form; nothing shown when null or absent. */
  boosts?: number | null;
  boostForm?: BoostForm;
}

/** HTML-escapes text, non-ASCII characters included (as numeric entities). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']|[^\x20-\x7e]/gu, (c) => {
    const named: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
    return named[c] ?? `&#${c.codePointAt(0)};`;
  });
}

function page(title: string, body: string, head = ''): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"/><title>${title}</title>${head}</head><body>${body}</body></html>`;
}

function header(signedIn: boolean): string {
  // The hidden `id_a` element is what the client takes as proof of a signed-in session.
  const account = signedIn
    ? '<span id="id_a" style="display:none">Account</span><span id="id_n">Simulated User</span>'
    : '<a id="id_s" href="/fd/auth/signin?action=interactive">Sign in</a>';
  return `<header id="b_header"><a href="/images/create">Image Creator</a>${account}</header>`;
}

function createForm(prompt = ''): string {
  return `<form id="create_form" action="/images/create" method="post"><textarea id="sb_form_q" name="q">${escapeHtml(prompt)}</textarea><button id="create_btn_c">Create</button></form>`;
}

function sessionScript(session: Session): string {
  const { ig, salt } = session;
  switch (session.form ?? 'object') {
    case 'assign':
      return `<script type="text/javascript">_G.IG="${ig}";_G.Salt="${salt}";_G.Region="us";</script>`;
    case 'json':
      return `<script type="application/json" id="ig_cfg">{"IG":"${ig}","Salt":"${salt}","Region":"us"}</script>`;
    case 'url':
      return `<link rel="prefetch" href="/images/create/async/init?IG=${ig}&amp;Salt=${salt}&amp;IID=images.as"/>`;
    default:
      return `<script type="text/javascript">var _G={IG:"${ig}",Salt:"${salt}",Region:"us",Lang:"en-US"};</script>`;
  }
}

/** The boost balance in one of the forms it has had over the years. */
function balance(session: Session): string {
  const n = session.boosts;
  if (n === null || n === undefined) return '';
  switch (session.boostForm ?? 'token_bal') {
    case 'token_bal':
      return `<div id="token_bal" aria-label="Boosts available">${n}</div>`;
    case 'aria':
      return `<div class="token_bal" aria-label="${n} boosts available"><span>${n}</span></div>`;
    case 'reward_c':
      return `<div id="reward_c" data-tb="${n}" class="rwds"></div>`;
    case 'coins':
      return `<div class="coins">${n} coins available</div>`;
    default:
      return '';
  }
}

export function signedInPage(session: Session, prompt = '', extra = ''): string {
  return page(
    'Image Creator',
    `${header(true)}${balance(session)}${createForm(prompt)}${extra}`,
    sessionScript(session),
  );
}

export function signedOutPage(): string {
  return page(
    'Image Creator',
    `${header(false)}<div id="gil_signin"><p>Join &amp; create</p><a href="/fd/auth/signin?action=interactive">Sign in</a></div>`,
  );
}

const REJECTION_BODIES: Record<Exclude<SubmitOutcome, 'success' | 'home'>, string> = {
  blocked:
    '<div id="girer" class="gil_err_cont"><div class="gil_err_tc">This prompt has been blocked. Our system automatically flagged this prompt because it may conflict with our content policy.</div></div>',
  'blocked-icon':
    '<div id="girer"><div class="girer_center block_icon"></div><div class="gil_err_sbt">Content warning</div></div>',
  'blocked-clarity':
    '<div id="girer" data-clarity-tag="BlockedByContentPolicy"><div class="gil_err_sbt">Content warning</div></div>',
  'blocked-dq': '<div id="girer" dq-err="ContentPolicyViolation"><div class="gil_err_sbt">Content warning</div></div>',
  review:
    '<div id="girer"><div class="gil_err_tc">This prompt is being reviewed. It may conflict with our content policy.</div></div>',
  language:
    '<div id="girer"><div class="gil_err_tc">We\'re working hard to offer Image Creator in more languages.</div></div>',
  unavailable:
    '<div id="girer"><div class="gil_err_tc">We can\'t create your images right now. Please try again later.</div></div>',
  quota:
    '<div id="girer"><div class="gil_err_tc">You can\'t submit any more prompts. Please try again tomorrow.</div></div>',
};

/** The 200 page a refused submit answers with. `home` is the plain signed-in home page, no marker. */
export function rejectionPage(outcome: Exclude<SubmitOutcome, 'success'>, session: Session, prompt: string): string {
  return signedInPage(session, prompt, outcome === 'home' ? '' : REJECTION_BODIES[outcome]);
}

/** The page a submit's redirect points at. */
export function redirectTargetPage(session: Session, prompt: string, reviewAfter: boolean): string {
  const status = reviewAfter
    ? REJECTION_BODIES.review
    : '<div id="giloader" class="gil_cont"><div class="gil_ltxt">Creating...</div></div>';
  return signedInPage(session, prompt, status);
}

export function notFoundPage(): string {
  return page('Not found', '<h1>404</h1><p>The page you are looking for cannot be found.</p>');
}

/** A still-generating answer for clients that do not send `text/css` markup (`[sim:pending-html]`). */
export function pendingPage(): string {
  return page('Image Creator', '<div id="giloader" class="gil_cont"><div class="gil_ltxt">Creating...</div></div>');
}

/** GPT-4o's streaming answer: carries a blurred preview, which a client must not take as the result. */
export function partialPage(job: SimJob, origin: string): string {
  const preview = imageSrc(job.scenario.urls, imageName(job, 'partial'), origin);
  return `<div class="imgri-inner-container strm"><div class="gir_mmimg"><img class="image-row-img mimg gir_blur" src="${preview}" alt=""/></div><div class="gil_ltxt">Almost there...</div></div>`;
}

/** The enhanced prompt a model "wrote", with quotes, `&`, an apostrophe and non-ASCII to exercise entity decoding. */
export function revisedPrompt(prompt: string): string {
  const subject = stripDirectives(prompt) || 'an image';
  return `A "cinematic" view of ${subject} – soft light & café colours, it's detailed`;
}

function img(src: string, alt: string | null): string {
  const altAttr = alt === null ? '' : ` alt="${escapeHtml(alt)}"`;
  return `<li><div class="img_cont hoff"><img class="image-row-img mimg" style="color:#8b8b8b" height="270" width="270" src="${src}"${altAttr}/></div></li>`;
}

function noiseImages(job: SimJob, origin: string, real: string[]): string[] {
  const s = job.scenario;
  return [
    img(`https://www.bing.com/th/id/${imageName(job, 100)}.js`, null),
    img(`https://r.bing.com/th/id/${imageName(job, 101)}.svg?pid=ImgGn`, null),
    ...PLACEHOLDER_IMAGES.map((p) => img(p, null)),
    img(`https://evil.example/th/id/${imageName(job, 102)}?pid=ImgGn`, null),
    img(`https://bing.com.evil.example/th/id/${imageName(job, 103)}?pid=ImgGn`, null),
    img(`http://www.bing.com/th/id/${imageName(job, 104)}?pid=ImgGn`, null),
    // Duplicates of the real images: the same one again, and one with other size parameters.
    ...real.slice(0, 1),
    ...Array.from({ length: imageCount(job) }, (_, i) => img(imageSrc(s.urls, imageName(job, i), origin, 540), null)),
  ];
}

export function resultPage(job: SimJob, origin: string): string {
  const s = job.scenario;
  const revised = revisedPrompt(job.prompt);
  const alt = s.alt ? revised : null;
  const real = s.onlyPlaceholders
    ? PLACEHOLDER_IMAGES.map((p) => img(p, null))
    : Array.from({ length: imageCount(job) }, (_, i) => img(imageSrc(s.urls, imageName(job, i), origin), alt));
  const images = s.noise ? [...real.slice(0, 1), ...noiseImages(job, origin, real), ...real.slice(1)] : real;
  const selcap = s.selcap ? ` data-selcap="${escapeHtml(revised)}"` : '';
  return page(
    'Image Creator',
    `<div id="gir_async" class="gir_mmimg"${selcap}><ul class="imgrow">${images.join('')}</ul></div>`,
    '<style type="text/css">.gir_mmimg{display:block}</style>',
  );
}

/** A submit answered with the request id in the page instead of a Location (`[sim:id-in-body]`). */
export function imageIdInBodyPage(
  session: Session,
  prompt: string,
  id: string,
  origin: string,
  form: 'link' | 'og',
): string {
  const target = `/images/create?q=${encodeURIComponent(prompt)}&amp;rt=4&amp;FORM=GENCRE&amp;id=${id}`;
  const extra =
    form === 'og'
      ? `<meta property="og:url" content="${origin}${target}"/>`
      : `<div id="giloader" class="gil_cont"><a href="${target}">Your images</a></div>`;
  return signedInPage(session, prompt, extra);
}

/** The page Bing answers a submit from an incomplete session with (`[sim:needs=full-set]`). */
export function sessionIssuePage(): string {
  return page(
    'Image Creator',
    `${header(true)}<div id="gi_err"><h2>We're sorry \u2014 we've run into an issue.</h2><p>The page is currently unavailable.</p></div>`,
  );
}

/** `{"errorMessage":"Pending"}` as image polls answer it. */
export function pendingJson(): string {
  return JSON.stringify({ errorMessage: 'Pending', showContent: '', enableDebug: false });
}

/** The still-generating page one peer saw (`[sim:status-page]`). */
export function statusPage(): string {
  return page(
    'Image Creator',
    '<div id="gir_async" data-c="GenerativeImagesStatusPage"><div class="gil_ltxt">Still working...</div></div>',
  );
}

/** The finished, styled result page with no result image in it (`[sim:styled-empty]`). */
export function styledEmptyPage(): string {
  return page(
    'Image Creator',
    '<div id="gir_async" class="gir_mmimg"><ul class="imgrow"></ul><img src="/rp/logo-bing.png" alt="Bing"/></div>',
    '<link rel="stylesheet" type="text/css" href="/rp/gir.css"/>',
  );
}

/** Bing's error boxes on a finished poll (`[sim:gil-err]`). */
export function gilErrorPage(kind: 'msg' | 'img' | 'tc'): string {
  const body =
    kind === 'msg'
      ? '<div id="gil_err_msg">Your request could not be completed because of high demand.</div>'
      : kind === 'img'
        ? '<div class="gil_err_img blocked_bd"></div>'
        : '<div class="gil_err_tc">Something went wrong while creating your images.</div>';
  return page('Image Creator', `<div id="girer">${body}</div>`);
}

export function unsafePage(): string {
  return page(
    'Image Creator',
    '<div id="girer"><div class="gil_err_tc">Unsafe image content detected. Please try a different prompt.</div></div>',
  );
}

/** Neither empty nor any known form: a truncated page, or binary bytes, alternating by poll. */
export function garbageBody(poll: number): Buffer {
  if (poll % 2 === 1) return Buffer.from('<html><body><div class="gir_mmimg');
  return Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0xfe, 0x00, 0x81, 0x9c, 0x03, 0x7f, 0xc0]);
}

export function errorJson(message: string): string {
  return JSON.stringify({ errorMessage: message });
}

const PENDING_SPELLINGS = ['Pending', 'Still pending', ' pending ', 'PENDING', 'still Pending  '];

export function videoPendingJson(poll: number): string {
  return errorJson(PENDING_SPELLINGS[(poll - 1) % PENDING_SPELLINGS.length]!);
}

/**
 * `ourl="..."` as Bing writes it inside a script: `/` as `\/` and every `&` as `\u0026`. The URL itself
 * carries one literal `&amp;` (see urls.ts), so the body holds a `\u0026amp;` that must come out as `&amp;`.
 */
export function escapedOurl(url: string): string {
  return url.replace(/\//g, '\\/').replace(/&/g, '\\u0026');
}

export function videoOurlBody(url: string): string {
  return `<div id="vidcont" class="vid_cont" data-status="Succeeded" ourl="${escapedOurl(url)}"></div>`;
}
