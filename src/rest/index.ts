/**
 * The REST compatibility layer: the routes of the original Express wrapper on node:http, over the same
 * TaskService as GraphQL. Callers that pointed at the wrapper change nothing but the base URL.
 *
 * Like Express, paths ignore case and a trailing slash, and GET routes answer HEAD. An unknown path
 * answers 404; a known path asked with another method answers 405 with `Allow`. OPTIONS is a CORS
 * preflight on every path (204). Bodies other than JSON or an urlencoded form answer 415 (body.ts).
 * With API keys configured, the generation and task routes need one (401 authentication_error).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log.js';
import { ServiceError } from '../tasks/errors.js';
import { BodyError, ClientGone } from './body.js';
import { Unauthenticated } from './caller.js';
import { corsHeaders, preflightHeaders } from '../http/cors.js';
import { failure, internalFailure, send, serviceFailure, type Reply } from './reply.js';
import { createRoutes, type RestDeps, type Route } from './routes.js';

export type { RestDeps } from './routes.js';

export type RestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Paths that need no cleaning: no query string, fragment, scheme, or trailing slash. */
const PLAIN_PATH = /^\/[^?#]*[^?#/]$/;

/** The path without query string, fragment, scheme and host (absolute-form targets), or trailing slashes. */
function pathOf(target = '/'): string {
  if (PLAIN_PATH.test(target)) return target;
  let path = target.split(/[?#]/)[0] ?? '';
  const absolute = /^https?:\/\/[^/]*/i.exec(path);
  if (absolute) path = path.slice(absolute[0].length);
  path = path.replace(/\/+$/, '');
  return path === '' ? '/' : path;
}

/** A body that was sent (or is still coming) and that the answer did not read: refused, too large, or not needed. */
function unreadBody(req: IncomingMessage): boolean {
  return (
    !req.complete && (req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0)
  );
}

function allowed(routes: Route[]): string {
  const methods = routes.flatMap((route) => (route.method === 'GET' ? ['GET', 'HEAD'] : [route.method]));
  return [...new Set([...methods, 'OPTIONS'])].join(', ');
}

function failed(error: unknown, req: IncomingMessage, path: string, log: Logger): Reply | undefined {
  if (error instanceof ClientGone) return undefined;
  if (error instanceof BodyError) return failure(error.status, 'invalid_request_error', error.message);
  if (error instanceof Unauthenticated)
    return failure(401, 'authentication_error', error.message, { 'www-authenticate': 'Bearer' });
  if (error instanceof ServiceError) return serviceFailure(error.code, error.message, error.retryAfterSeconds);
  log.error({ err: error, method: req.method, path }, 'REST request failed unexpectedly');
  return internalFailure();
}

/** The route's reply: at once when the route answers synchronously (most reads), else its promise. */
function answer(
  req: IncomingMessage,
  path: string,
  routes: Route[],
  log: Logger,
): Reply | Promise<Reply | undefined> | undefined {
  const method = req.method === 'HEAD' ? 'GET' : req.method;
  let matched: Route[] | undefined;
  for (const route of routes) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    if (route.method === method) {
      try {
        const reply = route.handle(req, match.slice(1));
        return reply instanceof Promise ? reply.catch((error: unknown) => failed(error, req, path, log)) : reply;
      } catch (error) {
        return failed(error, req, path, log);
      }
    }
    matched ??= [];
    matched.push(route);
  }
  if (!matched) return failure(404, 'invalid_request_error', 'Not found');
  const allow = allowed(matched);
  return failure(405, 'invalid_request_error', `Method ${req.method} is not allowed here. Allowed: ${allow}.`, {
    allow,
  });
}

export function createRestHandler(deps: RestDeps): RestHandler {
  const routes = createRoutes(deps);
  const { cors } = deps.config.http;
  const { log } = deps;

  return (req, res) => {
    if (req.method === 'OPTIONS') {
      send(res, { status: 204, headers: preflightHeaders(cors, req.headers.origin) });
      return;
    }
    const path = pathOf(req.url);
    const started = Date.now();
    const written = (error: unknown) => {
      log.error({ err: error, method: req.method, path }, 'REST answer could not be written');
      if (!res.destroyed) res.destroy();
    };
    const reply = (reply: Reply | undefined) => {
      if (!reply) return;
      try {
        const corsOf = corsHeaders(cors, req.headers.origin);
        // The rest of an unread body is not worth reading: the connection ends with this answer.
        send(res, reply, unreadBody(req) ? { ...corsOf, connection: 'close' } : corsOf);
        if (log.isLevelEnabled('debug'))
          log.debug({ method: req.method, path, status: reply.status, ms: Date.now() - started }, 'REST request');
      } catch (error) {
        written(error);
      }
    };
    const result = answer(req, path, routes, log);
    // answer() has caught what the route threw: one step after it, not a chain of them.
    if (result instanceof Promise) void result.then(reply, written);
    else reply(result);
  };
}
