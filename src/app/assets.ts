/**
 * The page's files, made once per process: the TypeScript bundled with esbuild (graphql-ws's client
 * included, so the page needs no CDN), the stylesheet, and the HTML pointing at both by content hash. The
 * hashed files never change under their name, so browsers keep them; the HTML is revalidated by ETag.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

export interface Asset {
  body: Buffer;
  /** The body gzipped, for clients that accept it. */
  gzipped: Buffer;
  type: string;
  etag: string;
  cacheControl: string;
}

/** By request path: `/app` and the hashed files under `/app/assets/`. */
export type Assets = ReadonlyMap<string, Asset>;

/** From src/app/assets.ts (tsx) and from dist/app/assets.js (npm start) alike, two levels up is the project root. */
export const PAGE_SOURCES = fileURLToPath(new URL('../../src/app/page/', import.meta.url));

export const PAGE_PATH = '/app';
const IMMUTABLE = 'public, max-age=31536000, immutable';

const compress = promisify(gzip);

const digest = (body: Buffer): string => createHash('sha256').update(body).digest('base64url');

async function asset(body: Buffer, type: string, cacheControl: string): Promise<Asset> {
  return { body, gzipped: await compress(body), type, etag: `"${digest(body).slice(0, 27)}"`, cacheControl };
}

async function bundle(dir: string): Promise<Buffer> {
  // Loaded only when the page is first asked for: a server nobody opens the page on never starts esbuild.
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [join(dir, 'main.ts')],
    tsconfig: join(dir, 'tsconfig.json'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    minify: true,
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error('esbuild wrote no bundle for the page.');
  return Buffer.from(output.contents);
}

export async function buildAssets(dir = PAGE_SOURCES): Promise<Assets> {
  const [script, style, html] = await Promise.all([
    bundle(dir),
    readFile(join(dir, 'app.css')),
    readFile(join(dir, 'index.html'), 'utf8'),
  ]);
  const scriptPath = `${PAGE_PATH}/assets/app.${digest(script).slice(0, 12)}.js`;
  const stylePath = `${PAGE_PATH}/assets/app.${digest(style).slice(0, 12)}.css`;
  const page = Buffer.from(html.replace('%APP_JS%', scriptPath).replace('%APP_CSS%', stylePath));
  return new Map([
    [PAGE_PATH, await asset(page, 'text/html; charset=utf-8', 'no-cache')],
    [scriptPath, await asset(script, 'text/javascript; charset=utf-8', IMMUTABLE)],
    [stylePath, await asset(style, 'text/css; charset=utf-8', IMMUTABLE)],
  ]);
}
