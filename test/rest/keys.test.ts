/** With API keys configured: the generation and task routes need one, tasks are private to their key, the rest stays public. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, startStack, type Stack } from '../support/stack.js';
import { QUICK, expectError, expectSuccess, rest } from './http.js';

const ALICE = 'alice-rest-key-7c1e0b52';
const BOB = 'bob-rest-key-2f9a4d61';
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ sim: QUICK, env: { API_KEYS: `${ALICE},${BOB}` } });
});
afterAll(() => stack.close());

describe('public routes', () => {
  it.each(['/', '/health', '/options'])('%s needs no key', async (path) => {
    expectSuccess(await rest(stack.url, path));
  });

  it('/openapi.json needs no key and documents the schemes', async () => {
    const answer = await rest(stack.url, '/openapi.json');
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.body.components.securitySchemes)).toEqual(['bearer', 'apiKey']);
  });
});

describe('keyed routes', () => {
  it.each([
    ['POST', '/create/image'],
    ['POST', '/create/video'],
    ['GET', '/task/00000000-0000-4000-8000-000000000000'],
  ])('%s %s without a key answers 401 authentication_error', async (method, path) => {
    const answer = await rest(stack.url, path, method === 'POST' ? { json: { query: 'a cat' } } : {});
    expect(expectError(answer, 401, 'authentication_error')).toMatch(/Authorization: Bearer/);
    expect(answer.headers.get('www-authenticate')).toBe('Bearer');
    expect(stack.sim.submits()).toEqual([]);
  });

  it('a wrong key answers 401, in either header', async () => {
    for (const headers of [bearer('not-a-key'), { 'x-api-key': 'not-a-key' }]) {
      const answer = await rest(stack.url, '/create/image', { json: { query: 'a cat' }, headers });
      expect(expectError(answer, 401, 'authentication_error')).toBe('The API key is not valid.');
    }
    expect(stack.sim.submits()).toEqual([]);
  });

  it('is checked before the body is read', async () => {
    const answer = await rest(stack.url, '/create/image', {
      body: 'x'.repeat(1024 * 1024),
      headers: { 'content-type': 'application/json' },
    });
    expectError(answer, 401, 'authentication_error');
    expect(answer.headers.get('connection')).toBe('close');
  });

  it('a task is visible to its key only, over REST and GraphQL', async () => {
    const created = expectSuccess(
      await rest(stack.url, '/create/image', { json: { query: 'a private fox' }, headers: bearer(ALICE) }),
    );
    expectSuccess(await rest(stack.url, `/task/${created.taskId}`, { headers: bearer(ALICE) }));
    expectSuccess(await rest(stack.url, `/task/${created.taskId}`, { headers: { 'x-api-key': ALICE } }));
    const other = await rest(stack.url, `/task/${created.taskId}`, { headers: bearer(BOB) });
    expect(expectError(other, 404, 'invalid_request_error')).toBe('Task not found.');

    const query = 'query ($id: ID!) { task(id: $id) { id status } }';
    expect((await gql(stack.url, query, { id: created.taskId }, bearer(ALICE))).data).toEqual({
      task: { id: created.taskId, status: 'COMPLETED' },
    });
    expect((await gql(stack.url, query, { id: created.taskId }, bearer(BOB))).data).toEqual({ task: null });
  });

  it('a video created with a key is followed with it', async () => {
    const created = expectSuccess(
      await rest(stack.url, '/create/video', { json: { query: 'waves [sim:ms=30]' }, headers: { 'x-api-key': BOB } }),
    );
    expect(expectSuccess(await rest(stack.url, `/task/${created.taskId}`, { headers: bearer(BOB) })).id).toBe(
      created.taskId,
    );
    expectError(
      await rest(stack.url, `/task/${created.taskId}`, { headers: bearer(ALICE) }),
      404,
      'invalid_request_error',
    );
  });

  it('never writes a key to a log line', () => {
    const logs = stack.logs.join('\n');
    expect(logs).not.toContain(ALICE);
    expect(logs).not.toContain(BOB);
  });
});
