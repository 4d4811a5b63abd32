/**
 * GET /app: a page to create images and videos and see them, over the same GraphQL API as every client
 * (see page/). Static files only; the API calls carry the visitor's key, the page itself needs none.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { failure, send } from '../http/envelope.js';
import type { Logger } from '../log.js';
import { type Asset, type Assets, buildAssets, PAGE_PATH, PAGE_SOURCES } from './assets.js';

/** `/app`, `/app/` and anything under it (paths ignore case and a trailing slash like the REST routes). */
export const isPagePath = (path: string): boolean => /^\/app(\/|$)/i.test(path);

/** The page talks to its own origin only; images and videos come from Bing (or the media mirror). */
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' http: https: data:; media-src 'self' http: https:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'referrer-policy': 'no-referrer',
};

function pathOf(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed.toLowerCase() === PAGE_PATH ? PAGE_PATH : trimmed;
}

function matches(header: string | undefined, etag: string): boolean {
  return header !== undefined && (header.trim() === '*' || header.split(',').some((tag) => tag.trim() === etag));
}

function write(req: IncomingMessage, res: ServerResponse, file: Asset, page: boolean): void {
  const zipped = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const body = zipped ? file.gzipped : file.body;
  const headers: Record<string, string | number> = {
    etag: file.etag,
    'cache-control': file.cacheControl,
    vary: 'Accept-Encoding',
    'x-content-type-options': 'nosniff',
    ...(page ? PAGE_HEADERS : {}),
  };
  if (matches(req.headers['if-none-match'], file.etag)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  headers['content-type'] = file.type;
  headers['content-length'] = body.length;
  if (zipped) headers['content-encoding'] = 'gzip';
  res.writeHead(200, headers);
  if (req.method === 'HEAD') res.end();
  else res.end(body);
}

export function createPageHandler(
  log: Logger,
  sources = PAGE_SOURCES,
): (req: IncomingMessage, res: ServerResponse) => void {
  let assets: Promise<Assets> | undefined;
  const load = (): Promise<Assets> =>
    (assets ??= buildAssets(sources).catch((error: unknown) => {
      // The next request tries again: a failed build is not kept.
      assets = undefined;
      throw error;
    }));

  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, failure(405, 'invalid_request_error', `${req.method} is not allowed on the page.`), {
        allow: 'GET, HEAD, OPTIONS',
      });
      return;
    }
    const path = pathOf(req.url?.split(/[?#]/)[0] ?? PAGE_PATH);
    load().then(
      (files) => {
        const file = files.get(path);
        if (file) write(req, res, file, path === PAGE_PATH);
        else send(res, failure(404, 'invalid_request_error', 'Not found.'));
      },
      (error: unknown) => {
        log.error({ err: error }, 'The page could not be built');
        send(res, failure(500, 'api_error', 'The page could not be built: see the server logs.'));
      },
    );
  };
}
