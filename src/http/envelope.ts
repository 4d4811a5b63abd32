/**
 * The error envelope of every answer the server writes outside GraphQL: `{ error: { message, type } }`,
 * pretty-printed, as the original wrapper answered. REST and the refusals of malformed requests share it.
 */
import type { ServerResponse } from 'node:http';

export interface Reply {
  status: number;
  /** Serialised as JSON; undefined sends no body (204). */
  body?: unknown;
  headers?: Record<string, string>;
}

export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'auth_error'
  | 'prompt_rejected_error'
  | 'unsupported_language_error'
  | 'rate_limit_error'
  | 'timeout_error'
  | 'api_error';

export function failure(status: number, type: ErrorType, message: string, headers?: Record<string, string>): Reply {
  return { status, body: { error: { message, type } }, ...(headers ? { headers } : {}) };
}

export function send(res: ServerResponse, reply: Reply): void {
  if (res.writableEnded || res.destroyed || res.headersSent) return;
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  if (reply.body === undefined) {
    res.writeHead(reply.status);
    res.end();
    return;
  }
  const text = JSON.stringify(reply.body, null, 2);
  res.writeHead(reply.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(text);
}
