/**
 * `GET /readyz`: whether this instance can take new generations now, for a load balancer's health check.
 * 200 when it can; 503 when it cannot (cluster mode with Redis unreachable, or the server stopping).
 * `/health` keeps the wrapper's shape and says nothing of Redis.
 */
import type { ServerResponse } from 'node:http';

export interface Readiness {
  ready: boolean;
  /** `not configured` without REDIS_URL. */
  redis: 'connected' | 'unreachable' | 'not configured';
  error?: string;
}

export async function answerReadiness(
  res: ServerResponse,
  check: () => Promise<Readiness>,
  stopping: () => boolean,
): Promise<void> {
  const readiness: Readiness = stopping()
    ? { ...(await check()), ready: false, error: 'The server is stopping.' }
    : await check();
  const body = JSON.stringify(readiness);
  res.writeHead(readiness.ready ? 200 : 503, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}

export const alwaysReady = async (): Promise<Readiness> => ({ ready: true, redis: 'not configured' });
