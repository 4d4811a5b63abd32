/** Saves a task's results under readable names: prompt slug, model, index, and the extension of its type. */
import { createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extensionOf as knownExtension } from '../media/types.js';
import { CliFailure } from './failure.js';

export function slug(prompt: string): string {
  const words = prompt
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return words.slice(0, 48).replace(/-+$/, '') || 'untitled';
}

export function extensionOf(contentType: string | null, url: string): string {
  const known = knownExtension(contentType?.split(';')[0]?.trim().toLowerCase() ?? '');
  if (known) return known;
  const fromPath = /\.([a-z0-9]{2,4})$/i.exec(new URL(url).pathname)?.[1];
  return fromPath?.toLowerCase() ?? 'bin';
}

async function free(path: string): Promise<boolean> {
  return stat(path).then(
    () => false,
    () => true,
  );
}

/** Downloads `url` into `dir` as `<base>.<ext>` (or `<base>-2.<ext>`… when taken); returns the path. */
export async function download(url: string, dir: string, base: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(120_000) });
  } catch (error) {
    throw new CliFailure('UPSTREAM', `The download of ${url} failed: ${(error as Error).message}`);
  }
  if (!response.ok || !response.body) {
    throw new CliFailure('UPSTREAM', `The download of ${url} answered HTTP ${response.status}.`);
  }
  const extension = extensionOf(response.headers.get('content-type'), url);
  await mkdir(dir, { recursive: true });
  let path = join(dir, `${base}.${extension}`);
  for (let n = 2; !(await free(path)); n += 1) path = join(dir, `${base}-${n}.${extension}`);
  await pipeline(Readable.fromWeb(response.body as never), createWriteStream(path, { flags: 'wx' }));
  return path;
}
