/** The video creator's pages and JSON answers, as the simulator writes them. */

import type { SimJob } from './jobs.js';
import { escapeHtml, signedInPage, type Session } from './markup.js';
import type { FastCountForm } from './video-scenario.js';

/** How a page states the fast creations left, in one of the forms the wrappers read. */
export function fastCount(form: FastCountForm, left: number | null): string {
  if (left === null) return '';
  switch (form) {
    case 'remaining':
      return `<div class="vid_mode"><button data-mode="fast">Fast (${left} free remaining)</button><button data-mode="standard">Standard</button></div>`;
    case 'aria':
      return `<div class="vid_mode"><span class="fast_bal" aria-label="${left} free creations">${left}</span></div>`;
    case 'text':
      return `<div class="vid_mode"><span class="fast_bal">${left} free creations</span></div>`;
    case 'none':
      return '';
  }
}

/** The generator page: IG and IID as the page script and a link carry them, plus anything `extra`. */
export function generatorPage(session: Session & { iid: string }, prompt: string, extra: string): string {
  const script = `<script type="text/javascript">_G.IID="${session.iid}";var vidCfg={"IG":"${session.ig}"};</script>`;
  const link = `<a id="vid_more" href="/images/create/ai-video-generator?FORM=GENEXP&amp;IG=${session.ig}&amp;IID=${session.iid}">More</a>`;
  return signedInPage(session, prompt, `<div id="vidgen" class="vid_gen">${extra}</div>${script}${link}`);
}

/** A 200 submit answer that names its request id without a redirect. */
export function idInBodyPage(session: Session, prompt: string, id: string, origin: string): string {
  const url = `${origin}/images/create?q=${encodeURIComponent(prompt)}&amp;ctype=video&amp;id=${id}`;
  return signedInPage(
    session,
    prompt,
    `<meta property="og:url" content="${url}"/><a href="/images/create?ctype=video&amp;id=${id}">Your video</a>`,
  );
}

export function errorPage(session: Session, prompt: string, text: string): string {
  return signedInPage(session, prompt, `<div id="girer"><div id="gil_err_msg">${escapeHtml(text)}</div></div>`);
}

export function pendingShowContentJson(): string {
  return JSON.stringify({ errorMessage: 'Pending', showContent: '', enableDebug: false });
}

export interface VideoDimensions {
  width: number;
  height: number;
  seconds: number;
}

export function valueJson(job: SimJob, url: string, size: VideoDimensions): string {
  return JSON.stringify({
    value: [
      {
        imageId: `${job.id}-v`,
        contentUrl: url,
        thumbnailUrl: `${new URL(url).origin}/th/id/OIGV.${job.id.slice(2, 14)}?w=320&h=180&pid=ImgGn`,
        width: size.width,
        height: size.height,
        encodingFormat: 'mp4',
        duration: `PT${size.seconds}S`,
        datePublished: new Date(job.readyAt).toISOString(),
      },
    ],
  });
}

/** The finished answer as HTML cards: each links the detail view; the video itself is not on the page. */
export function cardsPage(job: SimJob, card: { imageId: string; skey: string }): string {
  const href =
    `/images/create/detail?view=detailv2&amp;id=${job.id}&amp;imageId=${card.imageId}&amp;skey=${card.skey}` +
    `&amp;FORM=GENCRE&amp;datatype=video`;
  return (
    `<div class="gir_mmimg vid_cards"><div class="vid_card"><a class="vid_link" href="${href}">` +
    `<img class="vid_thumb" src="/rp/vid_placeholder.png" alt=""/></a></div>` +
    `<div class="vid_card"><a class="vid_link" href="/images/create?view=detailv2&amp;id=${job.id}&amp;datatype=image">Image</a></div></div>`
  );
}
