/**
 * A prompt must be valid Unicode text. A lone UTF-16 surrogate (JSON's "\ud800") is refused as
 * INVALID_REQUEST naming the field, over REST, GraphQL over HTTP and GraphQL over WebSocket alike, and
 * nothing reaches Bing.
 */
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { expectError, rest } from '../rest/http.js';
import { gql, startStack, type Stack } from '../support/stack.js';

const PROMPTS = ['a cat \ud800', '\udfff a dog', 'a \udc00\ud83d fish', 'an owl \ud83d'];
const CREATE = /* GraphQL */ `
  mutation ($q: String!) {
    createImage(input: { query: $q }) {
      __typename
      ... on InvalidRequestError { code field message }
    }
  }
`;

let stack: Stack;
let ws: Client;
beforeAll(async () => {
  stack = await startStack();
  ws = createClient({ url: `${stack.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
});
afterAll(async () => {
  await ws.dispose();
  await stack.close();
});
beforeEach(() => stack.sim.reset());

describe('a prompt with a lone surrogate', () => {
  it.each(PROMPTS)('REST answers 400 naming query (%j)', async (query) => {
    for (const path of ['/create/image', '/create/video']) {
      const message = expectError(await rest(stack.url, path, { json: { query } }), 400, 'invalid_request_error');
      expect(message).toMatch(/query.*valid Unicode/);
    }
    expect(stack.sim.submits()).toEqual([]);
  });

  it.each(PROMPTS)('GraphQL over HTTP answers InvalidRequestError on the field (%j)', async (q) => {
    const result = await gql<{ createImage: Record<string, unknown> }>(stack.url, CREATE, { q });
    expect(result.errors).toBeUndefined();
    expect(result.data?.createImage).toMatchObject({
      __typename: 'InvalidRequestError',
      code: 'INVALID_REQUEST',
      field: 'query',
    });
    expect(String(result.data?.createImage.message)).toMatch(/valid Unicode/);
    expect(stack.sim.submits()).toEqual([]);
  });

  it('GraphQL over WebSocket answers the same', async () => {
    const result = await new Promise<Record<string, unknown>>((resolve, reject) => {
      let value: Record<string, unknown> = {};
      ws.subscribe(
        { query: CREATE, variables: { q: PROMPTS[0] } },
        {
          next: (next) => {
            value = next as Record<string, unknown>;
          },
          error: reject,
          complete: () => resolve(value),
        },
      );
    });
    expect(result).toMatchObject({
      data: { createImage: { __typename: 'InvalidRequestError', code: 'INVALID_REQUEST', field: 'query' } },
    });
    expect(stack.sim.submits()).toEqual([]);
  });

  it('a well-formed pair (an emoji) is text and goes through', async () => {
    const result = await gql<{ createImage: Record<string, unknown> }>(stack.url, CREATE, {
      q: 'a cat \ud83d\ude00 [sim:ms=10]',
    });
    expect(result.data?.createImage.__typename).toBe('ImageGeneration');
    expect(stack.sim.submits()[0]?.query.q).toContain('\u{1F600}');
  });
});
