/** The media mirror's pure parts: Range parsing, eviction order, the URL check, file names. */
import { describe, expect, it } from 'vitest';
import { evictions } from '../../src/media/eviction.js';
import { parseRange } from '../../src/media/range.js';
import { contentTypeOf, extensionOf, MEDIA_NAME } from '../../src/media/types.js';
import { mirrorableUrl } from '../../src/tasks/media.js';

describe('parseRange', () => {
  it('takes one byte range, open-ended or a suffix, clamped to the file', () => {
    expect(parseRange('bytes=0-9', 100)).toEqual({ kind: 'partial', start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ kind: 'partial', start: 90, end: 99 });
    expect(parseRange('bytes=90-500', 100)).toEqual({ kind: 'partial', start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ kind: 'partial', start: 90, end: 99 });
    expect(parseRange('bytes=-500', 100)).toEqual({ kind: 'partial', start: 0, end: 99 });
    expect(parseRange('BYTES= 5 - 5 ', 100)).toEqual({ kind: 'partial', start: 5, end: 5 });
    expect(parseRange('bytes=99-99', 100)).toEqual({ kind: 'partial', start: 99, end: 99 });
  });

  it('refuses a range that starts past the end, or an empty suffix', () => {
    expect(parseRange('bytes=100-', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=100-200', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-0', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=99999999999999999999-', 100)).toEqual({ kind: 'unsatisfiable' });
  });

  it('answers the whole file for what it does not take: no header, several ranges, other units, bad syntax', () => {
    for (const header of [
      undefined,
      'bytes=0-1,5-6',
      'items=0-1',
      'bytes=',
      'bytes=-',
      'bytes=a-b',
      'bytes=9-3',
      'bytes=1.5-2',
      '0-9',
    ]) {
      expect(parseRange(header, 100), String(header)).toEqual({ kind: 'whole' });
    }
  });
});

describe('evictions', () => {
  const files = [
    { name: 'a', bytes: 400 },
    { name: 'b', bytes: 300 },
    { name: 'c', bytes: 200 },
    { name: 'd', bytes: 500 },
  ];

  it('deletes the oldest first until the rest fit', () => {
    expect(evictions(files, 1_400)).toEqual([]);
    expect(evictions(files, 1_399)).toEqual(['a']);
    expect(evictions(files, 1_000)).toEqual(['a']);
    expect(evictions(files, 999)).toEqual(['a', 'b']);
    expect(evictions(files, 500)).toEqual(['a', 'b', 'c']);
  });

  it('never deletes the file just kept', () => {
    expect(evictions(files, 700, 'a')).toEqual(['b', 'c', 'd']);
    expect(evictions(files, 1_000, 'a')).toEqual(['b', 'c']);
    expect(evictions(files, 500, 'd')).toEqual(['a', 'b', 'c']);
    expect(evictions([{ name: 'x', bytes: 10 }], 5, 'x')).toEqual([]);
  });
});

describe('mirrorableUrl', () => {
  const origin = 'http://127.0.0.1:4000';

  it('takes https Bing hosts and the configured origin', () => {
    expect(mirrorableUrl('https://th.bing.com/th/id/OIG1.x?pid=ImgGn', origin)?.hostname).toBe('th.bing.com');
    expect(mirrorableUrl('https://bing.com/videos/x.mp4', origin)).not.toBeNull();
    expect(mirrorableUrl('http://127.0.0.1:4000/th/id/OIG1.x', origin)).not.toBeNull();
  });

  it('refuses other hosts, plain http to Bing, look-alikes, credentials and non-URLs', () => {
    for (const raw of [
      'http://th.bing.com/th/id/x',
      'https://evil.example/th/id/x',
      'https://bing.com.evil.example/x',
      'https://notbing.com/x',
      'https://user:pass@th.bing.com/x',
      'http://127.0.0.1:4001/th/id/x',
      'file:///etc/passwd',
      'not a url',
    ]) {
      expect(mirrorableUrl(raw, origin), raw).toBeNull();
    }
  });
});

describe('file names', () => {
  it('are a SHA-256 in lowercase hex and a known extension', () => {
    const hash = 'ab'.repeat(32);
    expect(MEDIA_NAME.test(`${hash}.png`)).toBe(true);
    expect(MEDIA_NAME.test(`${hash}.mp4`)).toBe(true);
    for (const name of [
      `${hash.toUpperCase()}.png`,
      `${hash}.exe`,
      `${hash}`,
      `${hash.slice(2)}.png`,
      `../${hash}.png`,
    ]) {
      expect(MEDIA_NAME.test(name), name).toBe(false);
    }
  });

  it('map content types to extensions and back', () => {
    expect(extensionOf('image/jpeg')).toBe('jpg');
    expect(extensionOf('video/mp4')).toBe('mp4');
    expect(extensionOf('text/html')).toBeUndefined();
    expect(contentTypeOf(`${'0'.repeat(64)}.jpg`)).toBe('image/jpeg');
    expect(contentTypeOf(`${'0'.repeat(64)}.webm`)).toBe('video/webm');
  });
});
