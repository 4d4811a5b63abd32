/**
 * What every answer to bad input must be: never a 5xx; over REST the documented envelope; over GraphQL a
 * well-formed GraphQL response; over WebSocket well-formed graphql-transport-ws messages and no close for
 * an internal error. A failing check throws, which fast-check reports with the input.
 */
import { expect } from 'vitest';
import { ERROR_STATUS } from '../../../src/rest/reply.js';
import type { Exchange, Outgoing } from './http.js';
import type { Outcome } from './ws.js';

const REST_ERROR_TYPES = new Set<string>([...Object.values(ERROR_STATUS).map((e) => e.type), 'authentication_error']);

const describeExchange = (out: Outgoing, answer: Exchange) =>
  `${out.method} ${out.path.slice(0, 200)} → ${answer.status} ${answer.body.subarray(0, 300).toString('utf8')}`;

/** Whether the server hands this target to GraphQL (the rule of src/server.ts) rather than to REST. */
export function isGraphQLTarget(path: string): boolean {
  const target = path.split('?')[0] ?? '';
  return target === '/graphql' || target.startsWith('/graphql/');
}

/** Whether an answer is the REST error envelope (a JSON object with `error`), as parser-level refusals are. */
export function isEnvelope(answer: Exchange): boolean {
  if (!String(answer.headers['content-type']).startsWith('application/json')) return false;
  try {
    return 'error' in (JSON.parse(answer.body.toString('utf8')) as object);
  } catch {
    return false;
  }
}

function parsed(out: Outgoing, answer: Exchange): any {
  try {
    return JSON.parse(answer.body.toString('utf8'));
  } catch {
    throw new Error(`Not JSON: ${describeExchange(out, answer)}`);
  }
}

/** A REST answer: below 500; a body of JSON (but for HEAD and preflights), the error envelope for every error. */
export function expectRestAnswer(out: Outgoing, answer: Exchange): void {
  const label = describeExchange(out, answer);
  expect(answer.status, label).toBeLessThan(500);
  const method = out.method.toUpperCase();
  if (answer.status === 204) {
    expect(method, label).toBe('OPTIONS');
    expect(answer.body.length, label).toBe(0);
    return;
  }
  if (method === 'HEAD') {
    expect(answer.body.length, label).toBe(0);
    return;
  }
  expect(answer.headers['content-type'], label).toBe('application/json; charset=utf-8');
  const body = parsed(out, answer);
  if (answer.status >= 400) {
    expect(Object.keys(body), label).toEqual(['error']);
    expect(Object.keys(body.error).sort(), label).toEqual(['message', 'type']);
    expect(body.error.message, label).toEqual(expect.any(String));
    expect(body.error.message.length, label).toBeGreaterThan(0);
    expect(REST_ERROR_TYPES.has(body.error.type), label).toBe(true);
    if (answer.status === 401) expect(answer.headers['www-authenticate'], label).toBe('Bearer');
    if (answer.status === 405) expect(answer.headers['allow'], label).toEqual(expect.any(String));
  } else {
    expect(answer.status, label).toBe(200);
    expect(body.success === true || typeof body.openapi === 'string', label).toBe(true);
  }
}

/**
 * A GraphQL answer: below 500, and when it is JSON, a response with `data` and/or a non-empty `errors`
 * list of messages. Masked errors carry no stack and no path of the server's files.
 */
export function expectGraphQLAnswer(out: Outgoing, answer: Exchange): void {
  const label = describeExchange(out, answer);
  expect(answer.status, label).toBeLessThan(500);
  const text = answer.body.toString('utf8');
  expect(text, label).not.toContain(process.cwd());
  expect(text, label).not.toMatch(/\n\s+at /);
  const type = String(answer.headers['content-type'] ?? '');
  if (out.method.toUpperCase() === 'HEAD' || answer.body.length === 0) return;
  if (type.startsWith('text/event-stream')) {
    for (const event of eventsOf(text)) {
      expect(['next', 'complete'], label).toContain(event.name);
      if (event.name === 'next') expectExecutionResult(JSON.parse(event.data), label);
    }
    return;
  }
  if (/json/.test(type)) expectExecutionResult(parsed(out, answer), label);
}

function expectExecutionResult(body: any, label: string): void {
  expect(typeof body === 'object' && body !== null && !Array.isArray(body), label).toBe(true);
  expect('data' in body || 'errors' in body, label).toBe(true);
  if ('errors' in body) {
    expect(Array.isArray(body.errors) && body.errors.length > 0, label).toBe(true);
    for (const error of body.errors) {
      expect(error.message, label).toEqual(expect.any(String));
      // Yoga names the JSON parser's complaint about the caller's own body; nothing of the server's may follow it.
      expect(error.extensions?.originalError?.stack, label).toBeUndefined();
    }
  }
}

/** The events of a server-sent event stream (keep-alive comments left out). */
function eventsOf(text: string): Array<{ name: string; data: string }> {
  return text
    .split(/\n\n/)
    .map((block) => block.split('\n').filter((line) => line && !line.startsWith(':')))
    .filter((lines) => lines.length > 0)
    .map((lines) => ({
      name:
        lines
          .find((line) => line.startsWith('event:'))
          ?.slice(6)
          .trim() ?? 'message',
      data: lines
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trimStart())
        .join('\n'),
    }));
}

const WS_SERVER_MESSAGES = new Set(['connection_ack', 'next', 'error', 'complete', 'ping', 'pong']);

/**
 * A WebSocket session: a refused handshake below 500; every message a well-formed graphql-transport-ws
 * message without a stack; and a server that closed the connection itself never did so for an internal
 * error (1011, 4500).
 */
export function expectWsOutcome(outcome: Outcome): void {
  const label = JSON.stringify(outcome).slice(0, 600);
  if (outcome.refused !== undefined) expect(outcome.refused, label).toBeLessThan(500);
  for (const text of outcome.messages) {
    expect(text, label).not.toContain(process.cwd());
    expect(text, label).not.toMatch(/\n\s+at /);
    const message = JSON.parse(text) as { type: string; id?: unknown; payload?: any };
    expect(WS_SERVER_MESSAGES.has(message.type), label).toBe(true);
    if (message.type === 'next') expectExecutionResult(message.payload, label);
    if (message.type === 'error') {
      expect(Array.isArray(message.payload) && message.payload.length > 0, label).toBe(true);
      for (const error of message.payload) expect(error.message, label).toEqual(expect.any(String));
    }
  }
  if (outcome.serverClosedFirst) {
    expect([1011, 4500], label).not.toContain(outcome.closeCode);
    expect(outcome.closeReason ?? '', label).not.toMatch(/internal/i);
  }
}
