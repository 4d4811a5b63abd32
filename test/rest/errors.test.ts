/** Each error type and status of the REST envelope, driven by a simulator scenario. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryTaskStore } from '../../src/tasks/memory-store.js';
import type { Task } from '../../src/tasks/task.js';
import { TEST_COOKIE, startStack, type Stack } from '../support/stack.js';
import { QUICK, expectError, expectSuccess, rest } from './http.js';

/** A store that fails the way a broken disk would, with a detail that must not reach the caller. */
class BrokenStore extends MemoryTaskStore {
  override async insert(task: Task): Promise<void> {
    if (task.prompt.includes('break the store')) throw new Error('disk failure at /var/lib/secret-path');
    await super.insert(task);
  }
}

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ sim: QUICK, env: { IMAGE_DEADLINE: '1s' }, app: { store: new BrokenStore() } });
});
afterAll(() => stack.close());

describe('generation failures', () => {
  it.each([
    ['a blocked prompt', 'a cat [sim:blocked]', 422, 'prompt_rejected_error'],
    ['a prompt under review', 'a cat [sim:review]', 422, 'prompt_rejected_error'],
    ['unsafe output', 'a cat [sim:unsafe]', 422, 'prompt_rejected_error'],
    ['an unsupported language', 'un chat [sim:language]', 422, 'unsupported_language_error'],
    ['an unreadable answer', 'a cat [sim:garbage]', 502, 'api_error'],
    ['polls failing with 5xx', 'a cat [sim:poll5xx=10]', 502, 'api_error'],
    ['a generation past its deadline', 'a cat [sim:never]', 504, 'timeout_error'],
  ])('%s (%s) answers %i %s', async (_, query, status, type) => {
    expectError(await rest(stack.url, '/create/image', { json: { query } }), status, type);
  });

  it('a used-up quota answers 429 rate_limit_error with Retry-After', async () => {
    const answer = await rest(stack.url, '/create/image', { json: { query: 'a cat [sim:quota]' } });
    expect(expectError(answer, 429, 'rate_limit_error')).toMatch(/quota/i);
    expect(answer.headers.get('retry-after')).toBe('3600');
  });

  it('the two 422s are told apart by their type', async () => {
    const blocked = await rest(stack.url, '/create/image', { json: { query: 'a dog [sim:blocked-clarity]' } });
    const language = await rest(stack.url, '/create/image', { json: { query: 'un chien [sim:language]' } });
    expect([blocked.status, language.status]).toEqual([422, 422]);
    expect(blocked.body.error.type).not.toBe(language.body.error.type);
    expect(language.body.error.message).toMatch(/language/i);
  });

  it.each([
    ['a blocked prompt', 'waves [sim:blocked]', 422, 'prompt_rejected_error'],
    ['an unsupported language', 'vagues [sim:language]', 422, 'unsupported_language_error'],
    ['a used-up quota', 'waves [sim:quota]', 429, 'rate_limit_error'],
  ])('a video refused at submit, %s (%s), answers %i %s', async (_, query, status, type) => {
    expectError(await rest(stack.url, '/create/video', { json: { query } }), status, type);
  });
});

describe("the server's own limits", () => {
  it('answer 429 rate_limit_error with Retry-After', async () => {
    const limited = await startStack({ env: { RATE_LIMIT_PER_MINUTE: '2' }, simulator: stack.sim });
    try {
      for (let i = 0; i < 2; i++)
        expectSuccess(await rest(limited.url, '/create/image', { json: { query: `a cat ${i} [sim:ms=20]` } }));
      const answer = await rest(limited.url, '/create/image', { json: { query: 'one too many' } });
      expect(expectError(answer, 429, 'rate_limit_error')).toMatch(/2 a minute/);
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });
});

describe('an unexpected exception', () => {
  it('answers 500 api_error with a generic message and logs the cause', async () => {
    const answer = await rest(stack.url, '/create/image', { json: { query: 'please break the store' } });
    const message = expectError(answer, 500, 'api_error');
    expect(message).not.toMatch(/disk|secret-path/);
    const logged = stack.logs.map((line) => JSON.parse(line)).filter((line) => line.level >= 50);
    expect(logged).toHaveLength(1);
    expect(logged[0].err.message).toContain('disk failure');
    expectSuccess(await rest(stack.url, '/health'));
  });
});

describe('auth', () => {
  it('an expired cookie answers 401 auth_error without the cookie anywhere', async () => {
    const expired = await startStack({ env: { BING_COOKIE_U: 'expired-cookie-value' }, simulator: stack.sim });
    try {
      const answer = await rest(expired.url, '/create/image', { json: { query: 'a cat' } });
      expectError(answer, 401, 'auth_error');
      expectError(await rest(expired.url, '/create/video', { json: { query: 'waves' } }), 401, 'auth_error');
      expect(expectSuccess(await rest(expired.url, '/health')).cookie).toBe('set');
      expect(answer.text).not.toContain('expired-cookie-value');
      expect(expired.logs.join('\n')).not.toContain('expired-cookie-value');
    } finally {
      await expired.close();
    }
  });

  it('no cookie at all answers 401 auth_error and health says "not set"', async () => {
    const none = await startStack({ env: { BING_COOKIE_U: '' }, simulator: stack.sim });
    try {
      const submits = stack.sim.submits().length;
      expect(
        expectError(await rest(none.url, '/create/image', { json: { query: 'a cat' } }), 401, 'auth_error'),
      ).toMatch(/BING_COOKIE_U/);
      expect(stack.sim.submits()).toHaveLength(submits);
      expect(expectSuccess(await rest(none.url, '/health')).cookie).toBe('not set');
    } finally {
      await none.close();
    }
  });

  it('never shows the configured cookie', async () => {
    const text = (await rest(stack.url, '/health')).text + (await rest(stack.url, '/')).text;
    expect(text).not.toContain(TEST_COOKIE);
  });
});
