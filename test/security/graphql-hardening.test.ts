import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, startStack, type Stack } from '../support/stack.js';

describe('GraphQL hardening', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      env: { GRAPHQL_MAX_DEPTH: '4', GRAPHQL_MAX_ALIASES: '5', GRAPHQL_MAX_TOKENS: '300', MAX_BODY_SIZE: '4096' },
    });
  });
  afterAll(() => stack.close());

  it('refuses an over-deep document before execution', async () => {
    const ok = await gql(stack.url, '{ tasks { edges { node { id } } } }');
    expect(ok.errors).toBeUndefined();
    const body = await gql(stack.url, '{ tasks { edges { node { ... on ImageTask { images { url } } } } } }');
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.message).toMatch(/depth/i);
  });

  it('refuses too many aliases and too many tokens', async () => {
    const aliases = `{ ${Array.from({ length: 6 }, (_, i) => `a${i}: health { status }`).join(' ')} }`;
    expect((await gql(stack.url, aliases)).errors?.[0]?.message).toMatch(/alias/i);
    const tokens = `{ ${Array.from({ length: 200 }, () => 'health { status }').join(' ')} }`;
    expect((await gql(stack.url, tokens)).errors?.[0]?.message).toMatch(/token/i);
  });

  it('refuses an operation with a mutation that would run, without touching Bing', async () => {
    const aliases = `mutation { ${Array.from({ length: 6 }, (_, i) => `m${i}: createImage(input: { query: "x" }) { __typename }`).join(' ')} }`;
    await gql(stack.url, aliases);
    expect(stack.sim.submits()).toHaveLength(0);
  });

  it('refuses a body over the size limit with 413', async () => {
    const response = await fetch(`${stack.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ health { status } } # ${'x'.repeat(10_000)}` }),
    });
    expect(response.status).toBe(413);
    const body = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(body.errors[0]?.extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses batching', async () => {
    const response = await fetch(`${stack.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ query: '{ health { status } }' }, { query: '{ health { status } }' }]),
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  });

  it('refuses a simple (non-preflighted) POST without the CSRF header', async () => {
    const response = await fetch(`${stack.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: 'mutation { createImage(input: { query: "csrf" }) { __typename } }' }),
    });
    expect(response.status).toBe(403);
    expect(stack.sim.submits()).toHaveLength(0);
  });

  it('does not suggest field names', async () => {
    const body = await gql(stack.url, '{ helth { status } }');
    expect(body.errors?.[0]?.message).not.toMatch(/did you mean/i);
  });
});

describe('introspection switched off', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { GRAPHQL_INTROSPECTION: 'false' } });
  });
  afterAll(() => stack.close());

  it('refuses introspection and serves no GraphiQL', async () => {
    const body = await gql(stack.url, '{ __schema { queryType { name } } }');
    expect(body.data).toBeUndefined();
    expect(body.errors?.length).toBeGreaterThan(0);
    const page = await fetch(`${stack.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toContain('GraphiQL');
    expect((await gql(stack.url, '{ health { status } }')).data).toEqual({ health: { status: 'ok' } });
  });
});
