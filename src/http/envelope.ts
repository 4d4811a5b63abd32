/**
 * The error envelope of every answer the server writes outside GraphQL: `{ error: { message, type } }`,
 * pretty-printed, as the original wrapper answered. REST and the refusals of malformed requests share it.
 */
import type { ServerResponse } from 'node:http';

export interface Reply {
  status: number;
  /** Serialised as JSON; undefined sends no body (204). */
  body?: unknown;
  /** The body already serialised, sent as it is (instead of `body`). */
  text?: string;
  headers?: Record<string, string>;
}

export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'auth_error'
  | 'prompt_rejected_error'
  | 'unsupported_language_error'
  | 'rate_limit_error'
  | 'timeout_error'
  | 'api_error';

export function failure(status: number, type: ErrorType, message: string, headers?: Record<string, string>): Reply {
  return { status, body: { error: { message, type } }, ...(headers ? { headers } : {}) };
}

/**
 * Writes a reply unless the client is already gone (a long generation can outlive its request). The
 * headers go in one writeHead, with nothing set before it: Node then writes them without building its
 * own table of them first. `extra` (CORS, a closing connection) comes before the reply's own.
 */
export function send(res: ServerResponse, reply: Reply, extra?: Readonly<Record<string, string>>): void {
  if (res.writableEnded || res.destroyed || res.headersSent) return;
  const text = reply.text ?? (reply.body === undefined ? undefined : JSON.stringify(reply.body, null, 2));
  const headers: Record<string, string | number> =
    text === undefined
      ? {}
      : {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(text),
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
        };
  for (const name in extra) headers[name] = extra[name]!;
  for (const name in reply.headers) headers[name] = reply.headers[name]!;
  res.writeHead(reply.status, headers);
  if (text === undefined) res.end();
  else res.end(text);
}
