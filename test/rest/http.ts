/** REST calls over real HTTP, and the checks every answer of the envelope must pass. */
import { request as httpRequest } from 'node:http';
import { expect, vi } from 'vitest';

export interface Answer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  text: string;
  body: T;
}

export async function rest<T = Record<string, any>>(
  base: string,
  path: string,
  init: { method?: string; json?: unknown; body?: string; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<Answer<T>> {
  const headers = { ...(init.json === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers };
  const response = await fetch(`${base}${path}`, {
    method: init.method ?? (init.json === undefined && init.body === undefined ? 'GET' : 'POST'),
    headers,
    body: init.json === undefined ? init.body : JSON.stringify(init.json),
    signal: init.signal,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: (text ? JSON.parse(text) : undefined) as T };
}

/** A POST through node:http, for what fetch will not send: no Content-Type at all, or raw bytes. */
export function rawPost(
  base: string,
  path: string,
  body: Buffer | string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: any }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${base}${path}`,
      { method: 'POST', headers: { 'content-length': String(Buffer.byteLength(body)), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function expectIso(value: unknown): void {
  expect(value).toMatch(ISO);
  expect(new Date(value as string).toISOString()).toBe(value);
}

function expectPretty(answer: Answer<unknown>): void {
  expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(answer.text).toBe(JSON.stringify(JSON.parse(answer.text), null, 2));
  expect(answer.text).toContain('\n  "');
}

/** A success envelope: 200, pretty JSON, success true, a fresh ISO timestamp; returns `data`. */
export function expectSuccess<T = any>(answer: Answer<any>): T {
  expect(answer.status, answer.text).toBe(200);
  expectPretty(answer);
  expect(answer.body.success).toBe(true);
  expectIso(answer.body.timestamp);
  expect(Math.abs(Date.parse(answer.body.timestamp) - Date.now())).toBeLessThan(60_000);
  expect(answer.body.data).toBeTypeOf('object');
  return answer.body.data as T;
}

/** An error envelope with exactly `{ error: { message, type } }`; returns the message. */
export function expectError(answer: Answer<any>, status: number, type: string): string {
  expect(answer.status, answer.text).toBe(status);
  expectPretty(answer);
  expect(Object.keys(answer.body)).toEqual(['error']);
  expect(Object.keys(answer.body.error).sort()).toEqual(['message', 'type']);
  expect(answer.body.error.type).toBe(type);
  expect(answer.body.error.message).toBeTypeOf('string');
  expect(answer.body.error.message.length).toBeGreaterThan(0);
  return answer.body.error.message as string;
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** GET /task/:id until `done` holds (failing, with the last state, past the deadline); returns the task. */
export function pollTask(base: string, id: string, done: (task: any) => boolean, deadlineMs = 8_000): Promise<any> {
  return vi.waitFor(
    async () => {
      const task = expectSuccess(await rest(base, `/task/${id}`));
      if (!done(task)) throw new Error(`task ${id} is still ${JSON.stringify(task)}`);
      return task;
    },
    { timeout: deadlineMs, interval: 25 },
  );
}

/** Simulator durations of 2-5 s for every kind (20-50 ms at the test time scale); directives still win. */
export const QUICK = {
  durations: {
    DALLE: { minMs: 2_000, maxMs: 5_000 },
    GPT4O: { minMs: 2_000, maxMs: 5_000 },
    MAI1: { minMs: 2_000, maxMs: 5_000 },
    VIDEO: { minMs: 2_000, maxMs: 5_000 },
  },
};
