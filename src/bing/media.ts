/**
 * Media URL normalisation and the host checks: only Bing's own pictures and videos ever reach a caller.
 * `origin` is the configured Bing origin; URLs on it are trusted too, so a simulator can serve its own media.
 */
import { decodeHTML } from 'entities';

const PLACEHOLDER_IMAGES = new Set([
  'https://r.bing.com/rp/in-2zU3AJUdkgFe7ZKv19yPBHVs.png',
  'https://r.bing.com/rp/TX9QuO3WzcCJz1uaaSwQAz39Kb0.jpg',
]);
const CDN_HOST = /^tse\d*\.mm\.bing\.net$/i;
const THUMBNAIL_PARAMS = ['w', 'h', 'c', 'rs', 'qlt', 'o'];

function isBingHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === 'bing.com' || host.endsWith('.bing.com');
}

function isTrustedOrigin(url: URL, origin: string): boolean {
  if (url.origin === new URL(origin).origin) return true;
  return url.protocol === 'https:' && isBingHost(url.hostname);
}

function parseOn(raw: string, origin: string): URL | null {
  try {
    const url = new URL(raw, origin);
    if (CDN_HOST.test(url.hostname)) url.hostname = 'th.bing.com';
    return url;
  } catch {
    return null;
  }
}

/** One of the images Bing puts in place of output it filtered. */
export function isPlaceholderImage(raw: string): boolean {
  return PLACEHOLDER_IMAGES.has(decodeHTML(raw.trim()).split(/[?#]/)[0] ?? '');
}

/** One image URL from result markup, made full-resolution and checked; null when it must not be shown. */
export function normaliseImageUrl(raw: string, origin: string): string | null {
  if (isPlaceholderImage(raw)) return null;
  const decoded = decodeHTML(raw.trim());
  const url = parseOn(decoded, origin);
  if (!url || !isTrustedOrigin(url, origin)) return null;
  const path = url.pathname.toLowerCase();
  if (!path.startsWith('/th/id/') || path.endsWith('.js') || path.endsWith('.svg')) return null;
  url.search = '';
  url.hash = '';
  url.searchParams.set('pid', 'ImgGn');
  return PLACEHOLDER_IMAGES.has(url.toString()) ? null : url.toString();
}

/** Every acceptable image in order, without duplicates. */
export function normaliseImageUrls(raws: Iterable<string>, origin: string): string[] {
  const seen = new Set<string>();
  for (const raw of raws) {
    const url = normaliseImageUrl(raw, origin);
    if (url) seen.add(url);
  }
  return [...seen];
}

const VIDEO_URL_ESCAPE = /\\\/|\\u0026|&(?:#\d+|#x[\da-f]+|[a-z][\da-z]*);/gi;

/**
 * Undoes the three escapings an `ourl` value carries, in one pass: JSON's `\/` and `\u0026`, and HTML
 * entities once. One pass is what makes `\u0026amp;` come out as `&amp;` rather than `&`: the `&` that
 * `\u0026` produces is never read again as the start of an entity.
 */
export function unescapeVideoUrl(raw: string): string {
  return raw.replace(VIDEO_URL_ESCAPE, (escape) => {
    if (escape === '\\/') return '/';
    if (escape.toLowerCase() === '\\u0026') return '&';
    return decodeHTML(escape);
  });
}

/** A finished video's URL, checked; null for thumbnails, other hosts and anything that is not a video. */
export function normaliseVideoUrl(raw: string, origin: string): string | null {
  const url = parseOn(raw.trim(), origin);
  if (!url || !isTrustedOrigin(url, origin)) return null;
  if (url.searchParams.get('pid') !== 'videocreator') return null;
  if (THUMBNAIL_PARAMS.some((name) => url.searchParams.has(name))) return null;
  return url.toString();
}
