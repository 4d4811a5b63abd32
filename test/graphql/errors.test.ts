import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, startStack, type Stack } from '../support/stack.js';

const CREATE_IMAGE = /* GraphQL */ `
  mutation ($q: String!) {
    createImage(input: { query: $q }) {
      __typename
      ... on Error { code message }
      ... on RateLimitedError { retryAfterSeconds }
      ... on InvalidRequestError { field }
    }
  }
`;
const CREATE_VIDEO = /* GraphQL */ `
  mutation ($q: String!) {
    createVideo(input: { query: $q }) { __typename ... on Error { code message } }
  }
`;

type Result = { __typename: string; code?: string; message?: string; retryAfterSeconds?: number; field?: string };

async function image(stack: Stack, q: string): Promise<Result> {
  const body = await gql<{ createImage: Result }>(stack.url, CREATE_IMAGE, { q });
  expect(body.errors).toBeUndefined();
  return body.data!.createImage;
}

async function video(stack: Stack, q: string): Promise<Result> {
  const body = await gql<{ createVideo: Result }>(stack.url, CREATE_VIDEO, { q });
  expect(body.errors).toBeUndefined();
  return body.data!.createVideo;
}

describe('expected failures are union members', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { IMAGE_DEADLINE: '800ms', BING_REQUEST_TIMEOUT: '300ms', POLL_RETRIES: '1' } });
  });
  afterAll(() => stack.close());

  const cases: Array<[string, string, string]> = [
    ['InvalidRequestError', 'INVALID_REQUEST', '   '],
    ['PromptRejectedError', 'PROMPT_REJECTED', 'x [sim:blocked]'],
    ['PromptRejectedError', 'PROMPT_REJECTED', 'x [sim:review]'],
    ['UnsupportedLanguageError', 'UNSUPPORTED_LANGUAGE', 'x [sim:language]'],
    ['UpstreamError', 'UPSTREAM', 'x [sim:unavailable]'],
  ];

  for (const [type, code, prompt] of cases) {
    it(`createImage gives ${type} (${code}) for "${prompt}"`, async () => {
      const result = await image(stack, prompt);
      expect(result).toMatchObject({ __typename: type, code });
      expect(result.message?.length).toBeGreaterThan(10);
    });
    it(`createVideo gives ${type} (${code}) for "${prompt}"`, async () => {
      expect(await video(stack, prompt)).toMatchObject({ __typename: type, code });
    });
  }

  it('names the field of an invalid request', async () => {
    expect((await image(stack, '')).field).toBe('query');
  });

  it('gives UpstreamError when polls keep failing', async () => {
    expect(await image(stack, 'x [sim:ms=10] [sim:garbage]')).toMatchObject({
      __typename: 'UpstreamError',
      code: 'UPSTREAM',
    });
  });

  it('gives TimeoutError past the deadline', async () => {
    expect(await image(stack, 'x [sim:never]')).toMatchObject({ __typename: 'TimeoutError', code: 'TIMEOUT' });
  });

  it('refuses a value of the wrong type before anything reaches Bing', async () => {
    const before = stack.sim.submits().length;
    const body = await gql(stack.url, 'mutation { createImage(input: { query: "x", model: SEPIA }) { __typename } }');
    expect(body.errors?.[0]?.message).toMatch(/SEPIA/);
    expect(stack.sim.submits().length).toBe(before);
  });

  it('records a failed generation as a FAILED task', async () => {
    await image(stack, 'x [sim:blocked]');
    const tasks = await gql<{ tasks: { edges: Array<{ node: { status: string; errorCode: string } }> } }>(
      stack.url,
      '{ tasks(first: 1, kind: IMAGE) { edges { node { status errorCode } } } }',
    );
    expect(tasks.data?.tasks.edges[0]?.node).toEqual({ status: 'FAILED', errorCode: 'PROMPT_REJECTED' });
  });
});

// Apart: a used-up quota cools the only account down, which would refuse the cases above.
describe('a used-up quota', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('gives RateLimitedError (RATE_LIMITED) with a retry time from both mutations', async () => {
    const result = await image(stack, 'x [sim:quota]');
    expect(result).toMatchObject({ __typename: 'RateLimitedError', code: 'RATE_LIMITED' });
    expect(result.message?.length).toBeGreaterThan(10);
    expect(result.retryAfterSeconds).toBeGreaterThan(0);
    expect(await video(stack, 'x [sim:quota]')).toMatchObject({ __typename: 'RateLimitedError', code: 'RATE_LIMITED' });
  });
});

describe('an expired cookie', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { BING_COOKIE_U: 'expired-cookie-value' } });
  });
  afterAll(() => stack.close());

  it('gives AuthError from both mutations, spends no submit, and health says expired', async () => {
    expect(await image(stack, 'a cat')).toMatchObject({ __typename: 'AuthError', code: 'AUTH' });
    expect(await video(stack, 'a cat')).toMatchObject({ __typename: 'AuthError', code: 'AUTH' });
    expect(stack.sim.submits()).toHaveLength(0);
    const health = await gql<{ health: { session: string; cookieSet: boolean } }>(
      stack.url,
      '{ health { session cookieSet } }',
    );
    expect(health.data?.health).toEqual({ session: 'EXPIRED', cookieSet: true });
  });
});

describe('no cookie', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { BING_COOKIE_U: '' } });
  });
  afterAll(() => stack.close());

  it('gives AuthError naming the variable to set', async () => {
    const result = await image(stack, 'a cat');
    expect(result).toMatchObject({ __typename: 'AuthError', code: 'AUTH' });
    expect(result.message).toContain('BING_COOKIE_U');
  });
});
