/**
 * `GET /media/<name>` (and HEAD): a mirrored file, as immutable as its name (the SHA-256 of its bytes):
 * its content type, a strong ETag (the hash), a year of caching, 304 for an If-None-Match that matches,
 * and single byte ranges (206, or 416 past the end). A name that is malformed or not stored answers 404,
 * so no path outside the media directory can be named. With API keys on, a file is served only to the key
 * that owns a task referring to it (and marked `private`, so shared caches keep it to that caller).
 */
import { open } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Authenticator } from '../auth/caller.js';
import type { CorsPolicy } from '../config.js';
import { corsHeaders } from '../http/cors.js';
import { failure, send, type Reply } from '../http/envelope.js';
import type { Logger } from '../log.js';
import type { MediaMirror } from './mirror.js';
import { parseRange, type RangeAnswer } from './range.js';
import { contentTypeOf, MEDIA_NAME } from './types.js';

export const MEDIA_PREFIX = '/media/';

const notFound = (): Reply => failure(404, 'invalid_request_error', 'No such media file.');

/** If-None-Match against a strong ETag, by the weak comparison RFC 9110 13.1.2 asks of a GET. */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

export type MediaHandler = (req: IncomingMessage, res: ServerResponse) => void;

export function createMediaHandler(
  mirror: MediaMirror,
  auth: Authenticator,
  cors: CorsPolicy,
  log: Logger,
): MediaHandler {
  return (req, res) => {
    const extra = corsHeaders(cors, req.headers.origin);
    serve(req, res, extra).catch((error: unknown) => {
      log.error({ err: error, path: req.url }, 'media answer failed');
      if (!res.headersSent) send(res, failure(500, 'api_error', 'The media file could not be read.'), extra);
      else res.destroy();
    });
  };

  async function serve(req: IncomingMessage, res: ServerResponse, extra: Readonly<Record<string, string>>) {
    const reply = (answer: Reply) => send(res, answer, extra);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return reply(
        failure(
          405,
          'invalid_request_error',
          `Method ${req.method} is not allowed here. Allowed: GET, HEAD, OPTIONS.`,
          {
            allow: 'GET, HEAD, OPTIONS',
          },
        ),
      );
    }
    const authentication = auth.fromHeaders(req.headers, req.socket.remoteAddress);
    if (!authentication.ok) {
      return reply(
        failure(
          401,
          'authentication_error',
          authentication.reason === 'missing'
            ? 'An API key is required: send it as "Authorization: Bearer <key>" or "x-api-key: <key>".'
            : 'The API key is not valid.',
          { 'www-authenticate': 'Bearer' },
        ),
      );
    }
    const name = (req.url ?? '').split(/[?#]/, 1)[0]!.slice(MEDIA_PREFIX.length);
    if (!MEDIA_NAME.test(name) || !(await mirror.readable(name, authentication.caller.owner))) return reply(notFound());
    const stored = mirror.files.get(name);
    const file = stored && (await open(stored.path, 'r').catch(() => undefined));
    // Evicted between the check and the open.
    if (!file) return reply(notFound());
    try {
      const size = (await file.stat()).size;
      const etag = `"${name.slice(0, name.indexOf('.'))}"`;
      const headers: Record<string, string> = {
        ...extra,
        etag,
        'cache-control': `${auth.required ? 'private' : 'public'}, max-age=31536000, immutable`,
        'accept-ranges': 'bytes',
        'x-content-type-options': 'nosniff',
      };
      if (matches(req.headers['if-none-match'], etag)) {
        res.writeHead(304, headers);
        res.end();
        return;
      }
      // If-Range with another validator: the whole file, since the range was meant for other bytes.
      const ifRange = req.headers['if-range'];
      const range: RangeAnswer =
        ifRange === undefined || ifRange === etag ? parseRange(req.headers.range, size) : { kind: 'whole' };
      if (range.kind === 'unsatisfiable') {
        return reply(
          failure(416, 'invalid_request_error', `The range is outside the file's ${size} bytes.`, {
            'content-range': `bytes */${size}`,
          }),
        );
      }
      const [start, end] = range.kind === 'partial' ? [range.start, range.end] : [0, size - 1];
      headers['content-type'] = contentTypeOf(name);
      headers['content-length'] = String(end - start + 1);
      if (range.kind === 'partial') headers['content-range'] = `bytes ${start}-${end}/${size}`;
      res.writeHead(range.kind === 'partial' ? 206 : 200, headers);
      if (req.method === 'HEAD' || size === 0) {
        res.end();
        return;
      }
      await pipeline(file.createReadStream({ start, end, autoClose: false }), res).catch(() => undefined);
    } finally {
      await file.close();
    }
  }
}
