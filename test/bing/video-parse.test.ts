import { describe, expect, it } from 'vitest';
import { BingError } from '../../src/bing/errors.js';
import {
  classifyVideoText,
  durationSeconds,
  parseFastCreationsLeft,
  parseUpload,
  parseVideoAnswer,
  parseVideoDetail,
  parseVideoPage,
  requestIdInBody,
  videoCard,
} from '../../src/bing/video-parse.js';

const BING = 'https://www.bing.com';

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
  return `<!DOCTYPE html><html><head><title>Video Creator</title></head><body>${body}</body></html>`;
}

function done(url: string, more: Partial<{ width: number; height: number; durationSeconds: number }> = {}) {
  return { state: 'done', video: { url, width: null, height: null, durationSeconds: null, ...more } };
}

describe('video poll: the earlier shapes', () => {
  const url = 'https://th.bing.com/th/id/OVID.abc?pid=videocreator';

  it('"Pending" and "Still pending", in any case and with spaces around, are confirmed pending', () => {
    for (const message of ['Pending', 'Still pending', ' pending ', 'PENDING', 'still Pending  ', 'STILL   PENDING']) {
      expect(parseVideoAnswer(JSON.stringify({ errorMessage: message }), BING)).toEqual({
        state: 'pending',
        confirmed: true,
      });
    }
  });

  it('an empty body or a page without a result is unconfirmed pending', () => {
    expect(parseVideoAnswer('', BING)).toEqual({ state: 'pending', confirmed: false });
    expect(parseVideoAnswer(page('<div id="vidcont" class="vid_cont"></div>'), BING)).toEqual({
      state: 'pending',
      confirmed: false,
    });
  });

  it('completes with showContent, as a string or inside an object', () => {
    expect(parseVideoAnswer(JSON.stringify({ showContent: url }), BING)).toEqual(done(url));
    expect(parseVideoAnswer(JSON.stringify({ showContent: { video: { src: url } } }), BING)).toEqual(done(url));
    expect(parseVideoAnswer(JSON.stringify({ showContent: `<div ourl="${url}"></div>` }), BING)).toEqual(done(url));
  });

  it('completes with ourl, unescaping \\/, \\u0026 and entities', () => {
    const body = `<div class="vid_cont" ourl="https:\\/\\/th.bing.com\\/th\\/id\\/OVID.abc?mkt=en-US\\u0026pid=videocreator&amp;sig=1"></div>`;
    expect(parseVideoAnswer(body, BING)).toEqual(
      done('https://th.bing.com/th/id/OVID.abc?mkt=en-US&pid=videocreator&sig=1'),
    );
  });

  it('keeps \\u0026amp; as &amp; (entities are decoded once, never twice)', () => {
    const body = `<div ourl="https:\\/\\/th.bing.com\\/th\\/id\\/OVID.abc?pid=videocreator\\u0026amp;sig=1&amp;amp;x=2"></div>`;
    expect(parseVideoAnswer(body, BING)).toEqual(
      done('https://th.bing.com/th/id/OVID.abc?pid=videocreator&amp;sig=1&amp;x=2'),
    );
  });

  it('reads ourl inside a JSON string (escaped quotes) and entity-quoted ourl', () => {
    const json =
      '{"html":"<div ourl=\\"https:\\/\\/th.bing.com\\/th\\/id\\/OVID.abc?pid=videocreator\\u0026sig=1\\"></div>"}';
    expect(parseVideoAnswer(json, BING)).toEqual(done(`${url}&sig=1`));
    expect(parseVideoAnswer(`<div data-x="ourl=&quot;${url}&quot;"></div>`, BING)).toEqual(done(url));
  });

  it('rewrites tse<N>.mm.bing.net to th.bing.com', () => {
    const body = JSON.stringify({ showContent: 'https://tse2.mm.bing.net/th/id/OVID.abc?pid=videocreator' });
    expect(parseVideoAnswer(body, BING)).toEqual(done(url));
  });

  it('accepts https on bing.com or any subdomain, and the configured origin', () => {
    for (const ok of ['https://bing.com/v/1?pid=videocreator', 'https://a.b.bing.com/v/1?pid=videocreator']) {
      expect(parseVideoAnswer(JSON.stringify({ showContent: ok }), BING)).toEqual(done(ok));
    }
    const sim = 'http://127.0.0.1:40123';
    const local = `${sim}/videos/1-abc.mp4?pid=videocreator`;
    expect(parseVideoAnswer(JSON.stringify({ showContent: local }), sim)).toEqual(done(local));
  });

  it('refuses other hosts, plain http, a missing pid=videocreator and thumbnail parameters', () => {
    const refused = [
      'http://th.bing.com/th/id/OVID.abc?pid=videocreator',
      'https://evil.example/th/id/OVID.abc?pid=videocreator',
      'https://bing.com.evil.example/v?pid=videocreator',
      'https://evilbing.com/v?pid=videocreator',
      'http://127.0.0.1:40123/videos/1.mp4?pid=videocreator',
      'https://th.bing.com/th/id/OVID.abc',
      'https://th.bing.com/th/id/OVID.abc?pid=ImgGn',
      ...['w', 'h', 'c', 'rs', 'qlt', 'o'].map((p) => `https://th.bing.com/th/id/OVID.abc?pid=videocreator&${p}=1`),
    ];
    for (const bad of refused) {
      expect(parseVideoAnswer(JSON.stringify({ showContent: bad }), BING), bad).toEqual({
        state: 'pending',
        confirmed: false,
      });
      expect(parseVideoAnswer(`<div ourl="${bad}"></div>`, BING), bad).toEqual({ state: 'pending', confirmed: false });
    }
  });

  it('takes the first acceptable ourl when a thumbnail comes first', () => {
    const body = `<img ourl="https://th.bing.com/th/id/OVID.abc?pid=videocreator&amp;w=320"/><div ourl="${url}"></div>`;
    expect(parseVideoAnswer(body, BING)).toEqual(done(url));
  });

  it('any other errorMessage fails with its text', () => {
    const error = thrown(() => parseVideoAnswer('{"errorMessage":"Video generation failed"}', BING));
    expect(error.code).toBe('UPSTREAM');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('Video generation failed');
  });

  it('rejection markers fail as PROMPT_REJECTED', () => {
    expect(thrown(() => parseVideoAnswer(page('<div>This prompt has been blocked.</div>'), BING)).code).toBe(
      'PROMPT_REJECTED',
    );
    expect(thrown(() => parseVideoAnswer('{"errorMessage":"This prompt is being reviewed"}', BING)).code).toBe(
      'PROMPT_REJECTED',
    );
  });

  it('garbage is a retryable UPSTREAM error', () => {
    for (const body of ['\u001f\u008b\u0008garbage', '{"showContent":', 'Pending']) {
      const error = thrown(() => parseVideoAnswer(body, BING));
      expect(error.code).toBe('UPSTREAM');
      expect(error.retryable).toBe(true);
    }
  });
});

describe('video poll: Pending next to showContent', () => {
  it('is processing, in JSON and in a page, whatever showContent holds', () => {
    const url = 'https://th.bing.com/th/id/OVID.abc?pid=videocreator';
    for (const body of [
      '{"errorMessage":"Pending","showContent":"","enableDebug":false}',
      JSON.stringify({ errorMessage: 'Pending', showContent: url }),
      '{"status":"Pending","showContent":null}',
      page('<script>var r={"errorMessage":"Pending","showContent":""};</script>'),
    ]) {
      expect(parseVideoAnswer(body, BING), body).toEqual({ state: 'pending', confirmed: true });
    }
  });
});

describe('video poll: JSON value[]', () => {
  it('takes contentUrl with width, height and the duration in each written form', () => {
    const url = 'https://th.bing.com/videos/4-abc.mp4?mkt=en-US';
    for (const [duration, seconds] of [
      ['PT8S', 8],
      ['PT12S', 12],
      ['PT1M2.5S', 62.5],
      [8, 8],
      ['0:08', 8],
      ['12', 12],
    ] as const) {
      const body = JSON.stringify({
        value: [{ contentUrl: url, width: 1280, height: '720', encodingFormat: 'mp4', duration }],
      });
      expect(parseVideoAnswer(body, BING)).toEqual(done(url, { width: 1280, height: 720, durationSeconds: seconds }));
    }
  });

  it('skips entries it cannot use and takes the next; an unknown duration is null', () => {
    const good = 'https://bing.com/v/4-abc?pid=videocreator';
    const body = JSON.stringify({
      value: [
        { contentUrl: 'https://evil.example/v.mp4', encodingFormat: 'mp4' },
        { contentUrl: 'https://th.bing.com/th/id/OVID.x?w=320&h=180&pid=videocreator' },
        { thumbnailUrl: 'https://th.bing.com/th/id/OVID.y' },
        { contentUrl: good, duration: 'about eight seconds' },
      ],
    });
    expect(parseVideoAnswer(body, BING)).toEqual(done(good));
  });

  it('needs an mp4 (by path or encodingFormat) when pid=videocreator is absent', () => {
    const notVideo = JSON.stringify({ value: [{ contentUrl: 'https://th.bing.com/th/id/OIG1.abc' }] });
    expect(parseVideoAnswer(notVideo, BING)).toEqual({ state: 'pending', confirmed: false });
    const byFormat = JSON.stringify({
      value: [{ contentUrl: 'https://th.bing.com/th/id/OVID.abc', encodingFormat: 'video/mp4' }],
    });
    expect(parseVideoAnswer(byFormat, BING)).toEqual(done('https://th.bing.com/th/id/OVID.abc'));
  });

  it('reads a bare array and a value[] inside showContent', () => {
    const url = 'https://th.bing.com/videos/4-abc.mp4';
    expect(parseVideoAnswer(JSON.stringify([{ contentUrl: url }]), BING)).toEqual(done(url));
    expect(
      parseVideoAnswer(
        JSON.stringify({ showContent: JSON.stringify({ value: [{ contentUrl: url, width: 720 }] }) }),
        BING,
      ),
    ).toEqual(done(url, { width: 720 }));
  });
});

describe('video poll: HTML cards and the detail call', () => {
  it('finds the card of a video by view=detailv2 and datatype=video, in any attribute quoting and case', () => {
    const cards = page(
      `<a href="/images/create/detail?view=detailv2&amp;id=4-x&amp;imageId=OIGI.1&amp;datatype=image">image</a>` +
        `<div class="card"><a class='c' href='/images/create/detail?view=detailV2&amp;id=4-x&amp;ImageId=OIGV.2&amp;skey=s%2Fk&amp;datatype=video'>v</a></div>`,
    );
    expect(parseVideoAnswer(cards, BING)).toEqual({ state: 'detail', imageId: 'OIGV.2', skey: 's/k' });
    expect(videoCard('<a href="/x?view=detailv2&datatype=video&mediaId=M1">v</a>', BING)).toEqual({
      imageId: 'M1',
      skey: null,
    });
  });

  it('a card without an image id is no card', () => {
    expect(videoCard('<a href="/x?view=detailv2&datatype=video">v</a>', BING)).toBeNull();
  });

  it('the detail answer gives value[0].contentUrl, or a named failure', () => {
    const url = 'https://th.bing.com/videos/4-abc.mp4';
    expect(
      parseVideoDetail(
        JSON.stringify({ value: [{ contentUrl: url, width: 720, height: 1280, duration: 'PT8S' }] }),
        BING,
      ),
    ).toEqual({
      url,
      width: 720,
      height: 1280,
      durationSeconds: 8,
    });
    expect(thrown(() => parseVideoDetail('{"value":[]}', BING)).code).toBe('UPSTREAM');
    expect(thrown(() => parseVideoDetail('{"errorMessage":"Too many requests"}', BING)).code).toBe('RATE_LIMITED');
    expect(thrown(() => parseVideoDetail('<html>', BING)).retryable).toBe(true);
  });
});

describe('video failure and throttling texts', () => {
  it.each([
    ['Something went wrong', 'UPSTREAM'],
    ['Try again later.', 'UPSTREAM'],
    ["We couldn't create your video", 'UPSTREAM'],
    ['We couldn’t create your video', 'UPSTREAM'],
    ['Unable to generate video', 'UPSTREAM'],
    ['Too Many Requests', 'RATE_LIMITED'],
    ['Rate limit exceeded', 'RATE_LIMITED'],
    ['You have reached the maximum number of concurrent creations', 'RATE_LIMITED'],
  ])('%s → %s, in JSON, in an error container and as plain text', (text, code) => {
    expect(thrown(() => parseVideoAnswer(JSON.stringify({ errorMessage: text }), BING)).code).toBe(code);
    expect(thrown(() => parseVideoAnswer(page(`<div id="gil_err_msg">${text}</div>`), BING)).code).toBe(code);
    expect(thrown(() => parseVideoAnswer(text, BING)).code).toBe(code);
    expect(classifyVideoText(text)?.code).toBe(code);
  });

  it('throttling says when to try again; a rejection marker still wins', () => {
    expect(classifyVideoText('too many requests')?.retryAfterSeconds).toBe(60);
    expect(classifyVideoText('This prompt has been blocked. Try again later.')?.code).toBe('PROMPT_REJECTED');
    expect(classifyVideoText('<div>Creating your video</div>')).toBeNull();
  });
});

describe('video pages', () => {
  it('reads the fast creations left in each form, and null when absent', () => {
    expect(parseFastCreationsLeft('<button>Fast (7 free remaining)</button>')).toBe(7);
    expect(parseFastCreationsLeft('<span aria-label="3 free creations">3</span>')).toBe(3);
    expect(parseFastCreationsLeft('<span class="x">0 free creations</span>')).toBe(0);
    expect(parseFastCreationsLeft('<span>Fast&nbsp;(1 free remaining)</span>')).toBe(1);
    expect(parseFastCreationsLeft('<div>Standard</div>')).toBeNull();
  });

  it('reads IG and IID in every form', () => {
    const ig = '0123456789ABCDEF0123456789ABCDEF';
    for (const html of [
      `<script>var _G={IG:"${ig}",IID:"SERP.5001"};</script>`,
      `<script>_G.IG="${ig}";_G.IID="SERP.5001";</script>`,
      `{"IG":"${ig}","IID":"SERP.5001"}`,
      `<a href="/images/create?FORM=X&amp;IG=${ig}&amp;IID=SERP.5001">x</a>`,
    ]) {
      expect(parseVideoPage(html), html).toMatchObject({ ig, iid: 'SERP.5001' });
    }
    expect(parseVideoPage('<html></html>')).toEqual({ ig: null, iid: null, fastLeft: null });
  });

  it('finds a request id in a 200 body: og:url or a link, video or image ids only', () => {
    const id = `4-${'a'.repeat(32)}`;
    expect(
      requestIdInBody(`<meta property="og:url" content="https://www.bing.com/images/create?q=x&amp;id=${id}"/>`),
    ).toBe(id);
    expect(requestIdInBody(`<meta content="https://www.bing.com/images/create?id=${id}" property="og:url">`)).toBe(id);
    expect(requestIdInBody(`<a href="/images/create?ctype=video&id=${id}">v</a>`)).toBe(id);
    expect(requestIdInBody('<a href="/images/create?id=2-zzz">v</a>')).toBeNull();
  });

  it('reads the upload answer; anything else is a failure that says nothing was submitted', () => {
    expect(parseUpload(200, '{"bcid":"abc123"}')).toBe('abc123');
    for (const [status, body, code] of [
      [500, '<h1>Service unavailable</h1>', 'UPSTREAM'],
      [200, '{"errorMessage":"Image upload failed"}', 'UPSTREAM'],
      [200, 'not json', 'UPSTREAM'],
      [429, '', 'RATE_LIMITED'],
      [200, '<div>This prompt has been blocked</div>', 'PROMPT_REJECTED'],
    ] as const) {
      const error = thrown(() => parseUpload(status, body));
      expect(error.code).toBe(code);
      if (code === 'UPSTREAM') expect(error.message).toContain('no video was submitted');
    }
  });

  it('reads durations as seconds, ISO 8601 and clock time', () => {
    expect(durationSeconds('PT1H')).toBe(3600);
    expect(durationSeconds('1:00:08')).toBe(3608);
    expect(durationSeconds('PT')).toBeNull();
    expect(durationSeconds(-3)).toBeNull();
    expect(durationSeconds(null)).toBeNull();
  });
});
