/**
 * CORS as the original wrapper had it: open to every origin by default (CORS_ORIGIN=*), or to the listed
 * origins (comma-separated). Preflights are answered for every path.
 */
import type { IncomingMessage } from 'node:http';

const ALLOWED_METHODS = 'GET, HEAD, POST, OPTIONS';
const ALLOWED_HEADERS = 'authorization, content-type, x-api-key';

/** Shared by every answer: read, never changed. */
const OPEN: Readonly<Record<string, string>> = Object.freeze({ 'access-control-allow-origin': '*', 'access-control-expose-headers': 'retry-after' });

export function corsHeaders(setting: string, req: IncomingMessage): Readonly<Record<string, string>> {
  if (setting === '*') return OPEN;
  const allowed = setting.split(',').map((origin) => origin.trim()).filter(Boolean);
  const origin = req.headers.origin;
  const headers: Record<string, string> = { vary: 'origin' };
  if (origin && allowed.includes(origin)) {
    headers['access-control-allow-origin'] = origin;
    headers['access-control-expose-headers'] = 'retry-after';
  }
  return headers;
}

export function preflightHeaders(setting: string, req: IncomingMessage): Record<string, string> {
  return {
    ...corsHeaders(setting, req),
    'access-control-allow-methods': ALLOWED_METHODS,
    'access-control-allow-headers': ALLOWED_HEADERS,
    'access-control-max-age': '86400',
  };
}
