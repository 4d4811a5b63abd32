import { describe, expect, it } from 'vitest';
import { BingError, type BingErrorCode } from '../../src/bing/errors.js';
import { classifyRejection, classifySubmitPage, parseImagePoll } from '../../src/bing/parse.js';
import { parseSessionPage } from '../../src/bing/session.js';

const BING = 'https://www.bing.com';
const PLACEHOLDERS = [
  'https://r.bing.com/rp/in-2zU3AJUdkgFe7ZKv19yPBHVs.png',
  'https://r.bing.com/rp/TX9QuO3WzcCJz1uaaSwQAz39Kb0.jpg',
];

/** The BingError a call throws; fails the test when it throws anything else or nothing. */
function thrown(fn: () => unknown): BingError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(BingError);
    return error as BingError;
  }
  throw new Error('expected a BingError, nothing was thrown');
}

function page(body: string): string {
  return `<!DOCTYPE html><html><head><title>Image Creator</title></head><body>${body}</body></html>`;
}

function resultPage(images: string[], extra = ''): string {
  const items = images.map((src) => `<li><img class="image-row-img mimg" src="${src}"/></li>`).join('');
  return page(
    `<style type="text/css">.x{}</style><div id="gir_async" class="gir_mmimg"${extra}><ul>${items}</ul></div>`,
  );
}

describe('rejection markers', () => {
  const cases: Array<[string, string, BingErrorCode]> = [
    ['blocked', 'This prompt has been blocked. Our system flagged it.', 'PROMPT_REJECTED'],
    ['blocked icon', '<div class="girer_center block_icon"></div>', 'PROMPT_REJECTED'],
    ['blocked clarity', '<div data-clarity-tag="BlockedByContentPolicy"></div>', 'PROMPT_REJECTED'],
    ['blocked dq-err', '<div id="girer" dq-err="ContentPolicyViolation"></div>', 'PROMPT_REJECTED'],
    ['review', 'This prompt is being reviewed. It may conflict with our content policy.', 'PROMPT_REJECTED'],
    ['unsafe output', 'Unsafe image content detected. Try a different prompt.', 'PROMPT_REJECTED'],
    ['language', "We're working hard to offer Image Creator in more languages.", 'UNSUPPORTED_LANGUAGE'],
    ['unavailable', "We can't create your images right now. Please try again later.", 'UPSTREAM'],
    ['quota', "You can't submit any more prompts. Please try again tomorrow.", 'RATE_LIMITED'],
  ];

  for (const [name, text, code] of cases) {
    it(`${name} → ${code}, in any case`, () => {
      for (const variant of [text, text.toUpperCase(), text.toLowerCase()]) {
        expect(classifyRejection(page(variant))?.code).toBe(code);
        expect(classifySubmitPage(page(variant)).code).toBe(code);
      }
    });
  }

  it('reads apostrophes written as entities or as typographic quotes', () => {
    const spellings = ["'", '&#39;', '&#x27;', '&apos;', '\u2019', '\u2018', '&rsquo;', '&#8217;'];
    for (const q of spellings) {
      expect(classifyRejection(page(`We${q}re working hard to offer Image Creator in more languages`))?.code).toBe(
        'UNSUPPORTED_LANGUAGE',
      );
      expect(classifyRejection(page(`We can${q}t create your images right now`))?.code).toBe('UPSTREAM');
      expect(classifyRejection(page(`You can${q}t submit any more prompts`))?.code).toBe('RATE_LIMITED');
    }
    expect(classifyRejection(page('<div data-clarity-tag=&quot;BlockedByContentPolicy&quot;></div>'))?.code).toBe(
      'PROMPT_REJECTED',
    );
  });

  it('gives a quota error a retry-after, and user-facing messages', () => {
    const quota = classifyRejection(page("You can't submit any more prompts"))!;
    expect(quota.retryAfterSeconds).toBeGreaterThan(0);
    expect(quota.retryable).toBe(false);
    for (const [, text] of cases) {
      const error = classifyRejection(page(text))!;
      expect(error.message).toMatch(/^[A-Z].*\.$/);
      expect(error.message).not.toContain('<');
    }
  });

  it('without a marker: no rejection, and a refused submit is an auth failure', () => {
    const home = page('<header><a id="id_s">Sign in</a></header><form><textarea name="q"></textarea></form>');
    expect(classifyRejection(home)).toBeNull();
    expect(classifyRejection('')).toBeNull();
    const auth = classifySubmitPage(home);
    expect(auth.code).toBe('AUTH');
    expect(auth.message).toMatch(/cookie/i);
  });
});

describe('session page', () => {
  it('finds the signed-in marker and the IG value', () => {
    const html = page(
      '<script>var _G={IG:"0123ABCDEF4567890ABCDEF012345678",Salt:"xyz"};</script><span id="id_a" style="display:none">A</span>',
    );
    expect(parseSessionPage(html)).toEqual({
      signedIn: true,
      ig: '0123ABCDEF4567890ABCDEF012345678',
      iid: null,
      salt: 'xyz',
      boosts: null,
    });
  });

  it('is signed out without the marker, and has no IG when the page carries none', () => {
    expect(parseSessionPage(page('<a id="id_s" href="/fd/auth/signin">Sign in</a>'))).toEqual({
      signedIn: false,
      ig: null,
      iid: null,
      salt: null,
      boosts: null,
    });
    expect(parseSessionPage(page('<span id="id_a">visible</span>')).signedIn).toBe(false);
  });
});

describe('image poll: still running', () => {
  it('an empty body, or whitespace, is pending', () => {
    expect(parseImagePoll('', BING)).toEqual({ state: 'pending' });
    expect(parseImagePoll(' \n\t ', BING)).toEqual({ state: 'pending' });
  });

  it('HTML without the result markup is pending, even when it carries page icons', () => {
    expect(parseImagePoll(page('<div id="giloader"><div class="gil_ltxt">Creating...</div></div>'), BING)).toEqual({
      state: 'pending',
    });
    const withIcons = page(
      '<img src="https://r.bing.com/rp/AbCdEfGhIjKlMnOp.svg"/><img src="/rp/logo-123.png"/><div id="giloader">Creating...</div>',
    );
    expect(parseImagePoll(withIcons, BING)).toEqual({ state: 'pending' });
  });

  it('GPT-4o partial output (imgri-inner-container strm) is partial, not a result', () => {
    const partial =
      '<div class="imgri-inner-container strm"><div class="gir_mmimg"><img class="image-row-img mimg gir_blur" src="/th/id/OIG4.prev?pid=ImgGn" alt=""/></div></div>';
    expect(parseImagePoll(partial, BING)).toEqual({ state: 'partial' });
  });

  it('a JSON "Pending" is pending', () => {
    expect(parseImagePoll('{"errorMessage":"Pending"}', BING)).toEqual({ state: 'pending', hint: 'pending-json' });
    expect(parseImagePoll('{"errorMessage":" still PENDING "}', BING)).toEqual({
      state: 'pending',
      hint: 'pending-json',
    });
  });
});

describe('image poll: failures', () => {
  it('a JSON errorMessage fails with its text, not retryable', () => {
    const error = thrown(() => parseImagePoll('{"errorMessage":"Something went wrong on our side"}', BING));
    expect(error.code).toBe('UPSTREAM');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('Something went wrong on our side');
  });

  it('a JSON errorMessage carrying a marker is classified by it', () => {
    expect(thrown(() => parseImagePoll('{"errorMessage":"Unsafe image content detected"}', BING)).code).toBe(
      'PROMPT_REJECTED',
    );
  });

  it('an upstream message is cleaned and bounded', () => {
    const error = thrown(() =>
      parseImagePoll(JSON.stringify({ errorMessage: `bad\u0000\n${'x'.repeat(2000)}` }), BING),
    );
    expect(error.message).not.toMatch(/[\u0000-\u001f]/);
    expect(error.message.length).toBeLessThan(400);
  });

  it('a rejection page at the output side is PROMPT_REJECTED', () => {
    expect(thrown(() => parseImagePoll(page('<div>Unsafe image content detected</div>'), BING)).code).toBe(
      'PROMPT_REJECTED',
    );
    expect(thrown(() => parseImagePoll(page('<div>This prompt has been blocked</div>'), BING)).code).toBe(
      'PROMPT_REJECTED',
    );
  });

  it('garbage is a retryable UPSTREAM error', () => {
    const bodies = [
      '<html><body><div class="gir_mmimg',
      Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0xfe, 0x00, 0x81]).toString('utf8'),
      '{"errorMessage":',
      '{"unexpected":true}',
    ];
    for (const body of bodies) {
      const error = thrown(() => parseImagePoll(body, BING));
      expect(error.code).toBe('UPSTREAM');
      expect(error.retryable).toBe(true);
    }
  });
});

describe('image poll: results', () => {
  it('normalises absolute CDN URLs: entities decoded, tse host rewritten, params dropped but pid=ImgGn', () => {
    const state = parseImagePoll(
      resultPage([
        'https://tse1.mm.bing.net/th/id/OIG4.abc?w=270&amp;h=270&amp;c=6&amp;pid=ImgGn',
        'https://tse12.mm.bing.net/th/id/OIG4.def?w=270&amp;h=270&amp;rs=1&amp;qlt=90&amp;o=6&amp;pid=ImgGn',
      ]),
      BING,
    );
    expect(state).toEqual({
      state: 'done',
      images: ['https://th.bing.com/th/id/OIG4.abc?pid=ImgGn', 'https://th.bing.com/th/id/OIG4.def?pid=ImgGn'],
      revisedPrompt: null,
    });
  });

  it('makes relative /th/id/ paths absolute on the Bing host, and sets pid=ImgGn whatever pid was', () => {
    const state = parseImagePoll(
      resultPage(['/th/id/OIG1.xyz?w=270&amp;h=270&amp;pid=ImgGn', '/th/id/OIG1.uvw?pid=Other']),
      BING,
    );
    expect(state.state === 'done' && state.images).toEqual([
      'https://www.bing.com/th/id/OIG1.xyz?pid=ImgGn',
      'https://www.bing.com/th/id/OIG1.uvw?pid=ImgGn',
    ]);
  });

  it('reads single-quoted src attributes', () => {
    const html = page(
      `<div class="gir_mmimg"><img class='mimg' src='https://th.bing.com/th/id/OIG1.q?w=1&amp;pid=ImgGn'/></div>`,
    );
    const state = parseImagePoll(html, BING);
    expect(state.state === 'done' && state.images).toEqual(['https://th.bing.com/th/id/OIG1.q?pid=ImgGn']);
  });

  it('drops .js and .svg, foreign hosts, plain-http Bing, and the placeholders; removes duplicates in order', () => {
    const state = parseImagePoll(
      resultPage([
        'https://tse1.mm.bing.net/th/id/OIG1.first?w=270&amp;h=270&amp;pid=ImgGn',
        'https://www.bing.com/th/id/OIG1.script.js',
        'https://r.bing.com/th/id/OIG1.icon.svg?pid=ImgGn',
        'https://www.bing.com/th/id/OIG1.upper.SVG',
        ...PLACEHOLDERS,
        `${PLACEHOLDERS[0]}?w=10`,
        'https://evil.example/th/id/OIG1.x?pid=ImgGn',
        'https://bing.com.evil.example/th/id/OIG1.x?pid=ImgGn',
        'https://evilbing.com/th/id/OIG1.x?pid=ImgGn',
        'https://tse1.mm.bing.net.evil.example/th/id/OIG1.x?pid=ImgGn',
        'http://www.bing.com/th/id/OIG1.http?pid=ImgGn',
        'https://www.bing.com/images/OIG1.notth?pid=ImgGn',
        'https://th.bing.com/th/id/OIG1.first?w=540&amp;h=540&amp;pid=ImgGn',
        'https://bing.com/th/id/OIG1.second?pid=ImgGn',
        'https://tse3.mm.bing.net/th/id/OIG1.first?pid=ImgGn',
        'https://th.bing.com/th/id/OIG1.third',
      ]),
      BING,
    );
    expect(state.state === 'done' && state.images).toEqual([
      'https://th.bing.com/th/id/OIG1.first?pid=ImgGn',
      'https://bing.com/th/id/OIG1.second?pid=ImgGn',
      'https://th.bing.com/th/id/OIG1.third?pid=ImgGn',
    ]);
  });

  it('only placeholders: the output was filtered, PROMPT_REJECTED', () => {
    const error = thrown(() => parseImagePoll(resultPage(PLACEHOLDERS), BING));
    expect(error.code).toBe('PROMPT_REJECTED');
  });

  it('no usable image at all is an error, not a success with nothing', () => {
    const error = thrown(() =>
      parseImagePoll(
        resultPage(['https://evil.example/th/id/OIG1.x?pid=ImgGn', 'http://www.bing.com/th/id/OIG1.y']),
        BING,
      ),
    );
    expect(error.code).toBe('UPSTREAM');
    expect(error.retryable).toBe(false);
  });

  it('accepts images on the configured origin (the simulator), and no other local origin', () => {
    const sim = 'http://127.0.0.1:40123';
    const state = parseImagePoll(
      resultPage([`${sim}/th/id/OIG1.local?w=540&amp;pid=ImgGn`, 'http://127.0.0.1:40124/th/id/OIG1.other?pid=ImgGn']),
      sim,
    );
    expect(state.state === 'done' && state.images).toEqual([`${sim}/th/id/OIG1.local?pid=ImgGn`]);
  });
});

describe('image poll: revised prompt', () => {
  const images = ['/th/id/OIG4.a?pid=ImgGn'];
  const revised = 'A "cinematic" view of a cat – soft light & café colours, it\'s detailed';
  const encoded = 'A &quot;cinematic&quot; view of a cat &#8211; soft light &amp; caf&#233; colours, it&#39;s detailed';

  it('comes from data-selcap, entities decoded', () => {
    const state = parseImagePoll(resultPage(images, ` data-selcap="${encoded}"`), BING);
    expect(state.state === 'done' && state.revisedPrompt).toBe(revised);
  });

  it('comes from the alt of an image-row-img image, entities decoded', () => {
    const html = page(
      `<div class="gir_mmimg"><img class="image-row-img mimg" src="/th/id/OIG4.a?pid=ImgGn" alt="${encoded}"/></div>`,
    );
    const state = parseImagePoll(html, BING);
    expect(state.state === 'done' && state.revisedPrompt).toBe(revised);
  });

  it('ignores the alt of other images, and is null when there is none', () => {
    const html = page(`<div class="gir_mmimg"><img class="mimg" src="/th/id/OIG4.a?pid=ImgGn" alt="Bing logo"/></div>`);
    const other = parseImagePoll(html, BING);
    expect(other.state === 'done' && other.revisedPrompt).toBeNull();
    const none = parseImagePoll(resultPage(images), BING);
    expect(none.state === 'done' && none.revisedPrompt).toBeNull();
  });
});

describe('image poll: what the newer wrappers know', () => {
  it('a styled page (text/css) is the finished page: without a result image it fails at once, not retryable', () => {
    for (const head of [
      '<style type="text/css">.a{}</style>',
      '<link rel="stylesheet" type="text/css" href="/x.css">',
    ]) {
      const error = thrown(() =>
        parseImagePoll(page(`${head}<div class="gir_mmimg"><img src="/rp/logo.png"/></div>`), BING),
      );
      expect(error.code).toBe('UPSTREAM');
      expect(error.retryable).toBe(false);
      expect(error.message).toMatch(/finished .* no image/);
    }
    expect(thrown(() => parseImagePoll(page('<style type="text/css"></style><div>nothing</div>'), BING)).code).toBe(
      'UPSTREAM',
    );
  });

  it('a styled page holding only placeholders, or an unsafe marker, is PROMPT_REJECTED', () => {
    expect(thrown(() => parseImagePoll(resultPage(PLACEHOLDERS), BING)).code).toBe('PROMPT_REJECTED');
    const unsafe = page('<style type="text/css"></style><div>Unsafe image content detected</div>');
    expect(thrown(() => parseImagePoll(unsafe, BING)).code).toBe('PROMPT_REJECTED');
  });

  it('GenerativeImagesStatusPage is pending, without a hint', () => {
    expect(parseImagePoll(page('<div data-c="GenerativeImagesStatusPage"></div>'), BING)).toEqual({ state: 'pending' });
  });

  it('the full Pending JSON is pending with its hint', () => {
    const body = '{"errorMessage":"Pending","showContent":"","enableDebug":false}';
    expect(parseImagePoll(body, BING)).toEqual({ state: 'pending', hint: 'pending-json' });
  });

  it('a page of unknown markup is pending, marked unrecognised; the known loader page is plain pending', () => {
    expect(parseImagePoll(page('<div class="something-new"></div>'), BING)).toEqual({
      state: 'pending',
      hint: 'unrecognised',
    });
    expect(parseImagePoll(page('<div id="giloader" class="gil_cont"></div>'), BING)).toEqual({ state: 'pending' });
  });

  it('gil_err_msg gives its reason; gil_err_img blocked_bd is blocked; gil_err_tc gives its reason', () => {
    const msg = thrown(() => parseImagePoll(page('<div id="gil_err_msg">Too <b>busy</b> &amp; tired</div>'), BING));
    expect(msg.code).toBe('UPSTREAM');
    expect(msg.message).toContain('Too busy & tired');
    expect(thrown(() => parseImagePoll(page('<div class="gil_err_img blocked_bd"></div>'), BING)).code).toBe(
      'PROMPT_REJECTED',
    );
    const tc = thrown(() => parseImagePoll(page('<div class="gil_err_tc">Content policy violation</div>'), BING));
    expect(tc.code).toBe('PROMPT_REJECTED');
    // An empty error box (a template) says nothing.
    expect(parseImagePoll(page('<div id="gil_err_msg"></div><div id="giloader"></div>'), BING)).toEqual({
      state: 'pending',
    });
  });

  it('"we\'ve run into an issue" on a submit names the incomplete session', () => {
    const error = classifySubmitPage(
      page("<h2>We're sorry \u2014 we\u2019ve run into an issue.</h2><p>The page is currently unavailable.</p>"),
    );
    expect(error.code).toBe('UPSTREAM');
    expect(error.message).toMatch(/incomplete session.*full cookie set/);
  });
});

describe('an image poll answered with the sign-in page', () => {
  it('is AUTH at once, not a page to wait out', () => {
    const page =
      '<html><body><div id="gil_signin"><p>Join &amp; create</p><a href="/fd/auth/signin?action=interactive">Sign in</a></div></body></html>';
    expect(() => parseImagePoll(page, 'https://www.bing.com')).toThrow(expect.objectContaining({ code: 'AUTH' }));
  });
});
