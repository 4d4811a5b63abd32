/** The content types the mirror keeps, each with the extension its files carry, and the shape of a file name. */

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'video/mp4': 'mp4',
  'video/webm': 'webm',
};

const TYPES: Record<string, string> = Object.fromEntries(Object.entries(EXTENSIONS).map(([type, ext]) => [ext, type]));

/** A stored file's name: 64 lowercase hex digits (the SHA-256 of its bytes), a dot, a known extension. */
export const MEDIA_NAME = new RegExp(`^[0-9a-f]{64}\\.(${Object.values(EXTENSIONS).join('|')})$`);

/** The extension of a kept content type, or undefined for one the mirror does not keep. */
export function extensionOf(contentType: string): string | undefined {
  return EXTENSIONS[contentType];
}

/** The content type a file name's extension stands for. */
export function contentTypeOf(name: string): string {
  return TYPES[name.slice(name.lastIndexOf('.') + 1)] ?? 'application/octet-stream';
}

/** The path a stored file is served at. */
export function mediaPath(name: string): string {
  return `/media/${name}`;
}
