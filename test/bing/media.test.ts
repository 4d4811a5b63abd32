import { describe, expect, it } from 'vitest';
import { normaliseImageUrl, normaliseImageUrls, normaliseVideoUrl, unescapeVideoUrl } from '../../src/bing/media.js';

const BING = 'https://www.bing.com';
const SIM = 'http://127.0.0.1:40123';

describe('normaliseImageUrl', () => {
  it('decodes entities, rewrites the CDN host and keeps only pid=ImgGn', () => {
    expect(
      normaliseImageUrl('https://tse1.mm.bing.net/th/id/OIG4.abc?w=270&amp;h=270&amp;c=6&amp;pid=ImgGn', BING),
    ).toBe('https://th.bing.com/th/id/OIG4.abc?pid=ImgGn');
    expect(normaliseImageUrl('https://tse4.mm.bing.net/th/id/OIG3.abc?pid=ImgGn#frag', BING)).toBe(
      'https://th.bing.com/th/id/OIG3.abc?pid=ImgGn',
    );
    expect(normaliseImageUrl('  https://th.bing.com/th/id/OIG1.a?w=1&#38;pid=Api  ', BING)).toBe(
      'https://th.bing.com/th/id/OIG1.a?pid=ImgGn',
    );
  });

  it('makes relative paths absolute on the configured origin', () => {
    expect(normaliseImageUrl('/th/id/OIG1.xyz?pid=ImgGn', BING)).toBe('https://www.bing.com/th/id/OIG1.xyz?pid=ImgGn');
    expect(normaliseImageUrl('/th/id/OIG1.xyz?w=270&amp;pid=ImgGn', SIM)).toBe(`${SIM}/th/id/OIG1.xyz?pid=ImgGn`);
  });

  it('refuses what must never reach a caller', () => {
    const refused = [
      'https://www.bing.com/th/id/OIG1.a.js',
      'https://www.bing.com/th/id/OIG1.a.svg?pid=ImgGn',
      'https://r.bing.com/rp/in-2zU3AJUdkgFe7ZKv19yPBHVs.png',
      'https://r.bing.com/rp/TX9QuO3WzcCJz1uaaSwQAz39Kb0.jpg?w=1',
      'http://www.bing.com/th/id/OIG1.a',
      'http://tse1.mm.bing.net/th/id/OIG1.a',
      'https://evil.example/th/id/OIG1.a',
      'https://bing.com.evil.example/th/id/OIG1.a',
      'https://notbing.com/th/id/OIG1.a',
      'https://www.bing.com/images/OIG1.a',
      'javascript:alert(1)',
      'data:image/png;base64,AAAA',
      'http://127.0.0.1:40124/th/id/OIG1.a',
      'http://[::1',
    ];
    for (const raw of refused) expect(normaliseImageUrl(raw, BING), raw).toBeNull();
    expect(normaliseImageUrl('http://127.0.0.1:40124/th/id/OIG1.a', SIM)).toBeNull();
  });

  it('normaliseImageUrls keeps the first of each duplicate, in order', () => {
    expect(
      normaliseImageUrls(
        [
          'https://tse1.mm.bing.net/th/id/OIG1.b?w=270&amp;pid=ImgGn',
          '/th/id/OIG1.a',
          'https://th.bing.com/th/id/OIG1.b?w=540&amp;h=540',
          'https://evil.example/th/id/OIG1.c',
          'https://www.bing.com/th/id/OIG1.a?pid=ImgGn',
        ],
        BING,
      ),
    ).toEqual(['https://th.bing.com/th/id/OIG1.b?pid=ImgGn', 'https://www.bing.com/th/id/OIG1.a?pid=ImgGn']);
  });
});

describe('unescapeVideoUrl', () => {
  it('undoes \\/, \\u0026 (any case) and HTML entities', () => {
    expect(unescapeVideoUrl('https:\\/\\/th.bing.com\\/v?a=1\\u0026b=2\\U0026c=3&amp;d=4&#38;e=5&#x26;f=6')).toBe(
      'https://th.bing.com/v?a=1&b=2&c=3&d=4&e=5&f=6',
    );
  });

  it('turns \\u0026amp; into &amp;, not &, and decodes an entity only once', () => {
    expect(unescapeVideoUrl('a?x=1\\u0026amp;pid=videocreator')).toBe('a?x=1&amp;pid=videocreator');
    expect(unescapeVideoUrl('a?x=1&amp;amp;y=2')).toBe('a?x=1&amp;y=2');
  });
});

describe('normaliseVideoUrl', () => {
  it('accepts https Bing URLs with pid=videocreator, rewriting the CDN host', () => {
    expect(normaliseVideoUrl('https://tse3.mm.bing.net/th/id/OVID.a?pid=videocreator', BING)).toBe(
      'https://th.bing.com/th/id/OVID.a?pid=videocreator',
    );
    expect(normaliseVideoUrl('https://www.bing.com/v/a.mp4?mkt=en-US&pid=videocreator', BING)).toBe(
      'https://www.bing.com/v/a.mp4?mkt=en-US&pid=videocreator',
    );
  });

  it('accepts a URL on the configured origin (the simulator)', () => {
    expect(normaliseVideoUrl(`${SIM}/videos/1-a.mp4?pid=videocreator`, SIM)).toBe(
      `${SIM}/videos/1-a.mp4?pid=videocreator`,
    );
  });

  it('refuses thumbnails, other hosts, http and URLs without pid=videocreator', () => {
    const refused = [
      'https://th.bing.com/th/id/OVID.a',
      'https://th.bing.com/th/id/OVID.a?pid=ImgGn',
      'https://th.bing.com/th/id/OVID.a?PID=videocreator',
      ...['w', 'h', 'c', 'rs', 'qlt', 'o'].map((p) => `https://th.bing.com/th/id/OVID.a?pid=videocreator&${p}=1`),
      'http://th.bing.com/th/id/OVID.a?pid=videocreator',
      'https://evil.example/v.mp4?pid=videocreator',
      'https://th.bing.com.evil.example/v.mp4?pid=videocreator',
      `${SIM}/videos/1-a.mp4?pid=videocreator`,
      'not a url',
    ];
    for (const raw of refused) expect(normaliseVideoUrl(raw, BING), raw).toBeNull();
  });
});
