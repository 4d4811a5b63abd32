/**
 * Each HTTP request's id (`x-request-id` as sent, when it is a plain token, or a new one), echoed in the
 * answer, and its route and status counted when it ends. Routes are named by their pattern so that the
 * label's values stay few.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Metrics } from './registry.js';

const TOKEN = /^[\w.:@/+=-]{1,128}$/;

const ROUTES: Array<[RegExp, string]> = [
  [/^\/graphql(\/.*)?$/i, '/graphql'],
  [/^\/v1\/images\/generations$/, '/v1/images/generations'],
  [/^\/v1\/models$/, '/v1/models'],
  [/^\/v1\/models\/[^/]+$/, '/v1/models/:id'],
  [/^\/task\/[^/]+$/i, '/task/:id'],
  [/^\/create\/(image|video)$/i, ''],
  [/^\/(health|options|readyz|metrics|openapi\.json|)$/i, ''],
];

/** The route a path belongs to; `other` for any path no route knows. */
export function routeOf(path: string): string {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') || '/' : path;
  for (const [pattern, name] of ROUTES) if (pattern.test(trimmed)) return name || trimmed.toLowerCase();
  return 'other';
}

export function requestIdOf(req: IncomingMessage): string {
  const sent = req.headers['x-request-id'];
  return typeof sent === 'string' && TOKEN.test(sent) ? sent : randomUUID();
}

/** Echoes the id and counts the request once it ends (answered, or cut by the client). */
export function trackRequest(req: IncomingMessage, res: ServerResponse, path: string, metrics: Metrics): string {
  const id = requestIdOf(req);
  res.setHeader('x-request-id', id);
  const started = performance.now();
  // 'close' comes once per response: `on` spares the wrapper `once` makes.
  res.on('close', () => {
    const route = routeOf(path);
    metrics.http.inc({ route, status: res.headersSent ? String(res.statusCode) : 'aborted' });
    metrics.httpDuration.observe({ route }, (performance.now() - started) / 1000);
  });
  return id;
}
