/**
 * The source image of an image-to-video request: given inline as base64 or as a URL, checked for type
 * (by its bytes: PNG, JPEG, WebP) and size before anything reaches Bing. A URL is fetched only when the
 * policy allows it, through the server's FetchImage, with the size cap and a deadline.
 */
import { invalid } from './errors.js';

export type ImageType = 'image/png' | 'image/jpeg' | 'image/webp';

export interface VideoImage {
  type: ImageType;
  bytes: number;
  /** The image as Bing's upload takes it. */
  base64: string;
}

export interface VideoImagePolicy {
  maxBytes: number;
  /** `bing`: only Bing image URLs (the kind this server returns); `any`: any https URL. */
  fetch: 'bing' | 'any';
  /** The Bing origin the server talks to; its URLs are Bing's (a simulator's, in tests and the demo). */
  origin: string;
  fetchTimeoutMs: number;
}

const FIELD = 'image';

/** The image type its first bytes announce, or null: PNG, JPEG and WebP only. */
export function sniffImageType(bytes: Uint8Array): ImageType | null {
  const starts = (...prefix: number[]) => prefix.every((byte, i) => bytes[i] === byte);
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  // RIFF....WEBP
  if (
    starts(0x52, 0x49, 0x46, 0x46) &&
    bytes[8] === 0x57 &&
    bytes[9] === 0x45 &&
    bytes[10] === 0x42 &&
    bytes[11] === 0x50
  )
    return 'image/webp';
  return null;
}

function megabytes(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MB`
    : `${Math.ceil(bytes / 1024)} KB`;
}

function checked(bytes: Buffer, field: string, maxBytes: number): VideoImage {
  if (bytes.length === 0) throw invalid(field, `Invalid parameter: ${field} is empty.`);
  if (bytes.length > maxBytes) {
    throw invalid(
      field,
      `Invalid parameter: ${field} is ${megabytes(bytes.length)}; the limit is ${megabytes(maxBytes)} (MAX_IMAGE_BYTES).`,
    );
  }
  const type = sniffImageType(bytes);
  if (!type) throw invalid(field, `Invalid parameter: ${field} must be a PNG, JPEG or WebP image.`);
  return { type, bytes: bytes.length, base64: bytes.toString('base64') };
}

const DATA_URL = /^data:([\w.+/-]*)(;[\w-]+=[\w.-]+)*;base64,/i;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Inline base64 (standard or URL-safe, optionally a `data:` URL); checked strictly, never decoded loosely. */
export function imageFromBase64(value: unknown, maxBytes: number, field = `${FIELD}.base64`): VideoImage {
  if (typeof value !== 'string') throw invalid(field, `Invalid parameter: ${field} must be a base64 string.`);
  const text = value.replace(DATA_URL, '').replace(/\s+/g, '');
  // The size check comes first so that a huge string is refused before it is decoded.
  if (Math.floor((text.length * 3) / 4) - 2 > maxBytes) {
    throw invalid(
      field,
      `Invalid parameter: ${field} holds more than ${megabytes(maxBytes)}; the limit is ${megabytes(maxBytes)} (MAX_IMAGE_BYTES).`,
    );
  }
  const standard = BASE64.test(text) && text.length % 4 === 0;
  if (!standard && !BASE64URL.test(text)) throw invalid(field, `Invalid parameter: ${field} is not valid base64.`);
  return checked(Buffer.from(text, standard ? 'base64' : 'base64url'), field, maxBytes);
}

function isBingHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === 'bing.com' || host.endsWith('.bing.com');
}

/** The URL, if the policy lets the server fetch it; an INVALID_REQUEST naming the rule otherwise. */
export function allowedImageUrl(
  value: unknown,
  policy: Pick<VideoImagePolicy, 'fetch' | 'origin'>,
  field = `${FIELD}.url`,
): URL {
  if (typeof value !== 'string' || value.trim() === '')
    throw invalid(field, `Invalid parameter: ${field} must be a URL string.`);
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw invalid(field, `Invalid parameter: ${field} is not a URL.`);
  }
  if (url.username || url.password) throw invalid(field, `Invalid parameter: ${field} must not carry credentials.`);
  const own = url.origin === new URL(policy.origin).origin;
  const bingImage =
    url.protocol === 'https:' && isBingHost(url.hostname) && url.pathname.toLowerCase().startsWith('/th/id/');
  if (own && url.pathname.toLowerCase().startsWith('/th/id/')) return url;
  if (policy.fetch === 'bing') {
    if (bingImage) return url;
    throw invalid(
      field,
      `Invalid parameter: ${field} must be the https URL of a Bing image this server returned (https://*.bing.com/th/id/...); other URLs are fetched only with VIDEO_IMAGE_FETCH=any.`,
    );
  }
  if (url.protocol !== 'https:') throw invalid(field, `Invalid parameter: ${field} must be an https URL.`);
  return url;
}

/** What fetching a source image came to; the fetch itself is the server's (src/http/fetch-image.ts). */
export type FetchedImage =
  | { outcome: 'ok'; bytes: Buffer }
  | { outcome: 'status'; status: number }
  | { outcome: 'too-large'; bytes?: number }
  | { outcome: 'timeout' }
  | { outcome: 'unreachable' };

/** One GET of `url`: no redirects followed, at most `maxBytes` read, within `timeoutMs`. */
export type FetchImage = (
  url: URL,
  limits: { maxBytes: number; timeoutMs: number },
  signal?: AbortSignal,
) => Promise<FetchedImage>;

/** Fetches an allowed URL and checks what came back; every way it can go wrong is INVALID_REQUEST on the field. */
export async function imageFromUrl(
  url: URL,
  policy: VideoImagePolicy,
  fetch: FetchImage,
  signal?: AbortSignal,
  field = `${FIELD}.url`,
): Promise<VideoImage> {
  const fetched = await fetch(url, { maxBytes: policy.maxBytes, timeoutMs: policy.fetchTimeoutMs }, signal);
  switch (fetched.outcome) {
    case 'ok':
      return checked(fetched.bytes, field, policy.maxBytes);
    case 'status':
      throw invalid(field, `Invalid parameter: ${field} could not be fetched (HTTP ${fetched.status}).`);
    case 'too-large':
      throw invalid(
        field,
        fetched.bytes === undefined
          ? `Invalid parameter: the image at ${field} is larger than ${megabytes(policy.maxBytes)} (MAX_IMAGE_BYTES).`
          : `Invalid parameter: the image at ${field} is ${megabytes(fetched.bytes)}; the limit is ${megabytes(policy.maxBytes)} (MAX_IMAGE_BYTES).`,
      );
    case 'timeout':
      throw invalid(
        field,
        `Invalid parameter: the image at ${field} did not arrive within ${Math.round(policy.fetchTimeoutMs / 1000)} s.`,
      );
    case 'unreachable':
      throw invalid(field, `Invalid parameter: the image at ${field} could not be fetched.`);
  }
}

/** The `image` input of createVideo: exactly one of `base64` and `url`, or nothing at all. */
export function imageInput(value: unknown): { base64: unknown } | { url: unknown } | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw invalid(FIELD, 'Invalid parameter: image must be an object with either base64 or url.');
  }
  const fields = value as Record<string, unknown>;
  const hasBase64 = fields['base64'] !== undefined && fields['base64'] !== null;
  const hasUrl = fields['url'] !== undefined && fields['url'] !== null;
  if (hasBase64 === hasUrl) throw invalid(FIELD, 'Invalid parameter: image takes exactly one of base64 and url.');
  return hasBase64 ? { base64: fields['base64'] } : { url: fields['url'] };
}

/**
 * What can be checked at once: inline base64 checked whole, a URL checked against the policy (and fetched
 * later, by `resolveVideoImage`); null when the request has none.
 */
export function checkVideoImage(value: unknown, policy: VideoImagePolicy): VideoImage | URL | null {
  const input = imageInput(value);
  if (!input) return null;
  if ('base64' in input) return imageFromBase64(input.base64, policy.maxBytes);
  return allowedImageUrl(input.url, policy);
}

/** The checked source image, a URL fetched and checked too; null when the request has none. */
export async function resolveVideoImage(
  value: unknown,
  policy: VideoImagePolicy,
  fetch: FetchImage,
  signal?: AbortSignal,
): Promise<VideoImage | null> {
  const checkedImage = checkVideoImage(value, policy);
  return checkedImage instanceof URL ? imageFromUrl(checkedImage, policy, fetch, signal) : checkedImage;
}
