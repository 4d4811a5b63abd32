import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { gql, startStack, type Stack } from '../support/stack.js';

const ALICE = 'alice-key-5f1d2c9e8b7a';
const BOB = 'bob-key-0a9b8c7d6e5f';
const CAROL = 'carol-key-hashed-31415926';

const wsUrl = (stack: Stack) => `${stack.url.replace('http', 'ws')}/graphql`;
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** Opens a graphql-ws connection and reports how it ended: the close code, or the first result. */
function connect(stack: Stack, connectionParams?: Record<string, unknown>, headers?: Record<string, string>) {
  return createClient({
    url: wsUrl(stack),
    connectionParams,
    retryAttempts: 0,
    lazy: true,
    webSocketImpl: class extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { headers });
      }
    },
  });
}

function firstResult(client: ReturnType<typeof createClient>, query: string, variables?: Record<string, unknown>) {
  return new Promise<{ value?: unknown; closeCode?: number; error?: unknown }>((resolve) => {
    const stop = client.subscribe(
      { query, variables },
      {
        next: (value) => {
          stop();
          resolve({ value });
        },
        error: (error) => resolve({ closeCode: (error as { code?: number }).code, error }),
        complete: () => undefined,
      },
    );
  });
}

describe('API keys on GraphQL (HTTP, SSE and WebSocket)', () => {
  let stack: Stack;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keys-'));
    const file = join(dir, 'keys.txt');
    writeFileSync(file, `# hashed keys\nsha256:${createHash('sha256').update(CAROL).digest('hex')}\n`);
    stack = await startStack({ env: { API_KEYS: `${ALICE},${BOB}`, API_KEYS_FILE: file } });
  });
  afterAll(async () => {
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses an operation without a key, with UNAUTHENTICATED and 401', async () => {
    const response = await fetch(`${stack.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ health { status } }' }),
    });
    expect(response.status).toBe(401);
    const body = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(body.errors[0]?.extensions.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a wrong key', async () => {
    const body = await gql(stack.url, '{ health { status } }', undefined, bearer('not-a-key'));
    expect(body.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    expect(JSON.stringify(body)).not.toContain('not-a-key');
  });

  it('accepts a right key as a bearer token or as x-api-key, and a key from the file of hashes', async () => {
    expect((await gql(stack.url, '{ health { status } }', undefined, bearer(ALICE))).data).toEqual({
      health: { status: 'ok' },
    });
    expect((await gql(stack.url, '{ health { status } }', undefined, { 'x-api-key': BOB })).data).toEqual({
      health: { status: 'ok' },
    });
    expect((await gql(stack.url, '{ health { status } }', undefined, bearer(CAROL))).data).toEqual({
      health: { status: 'ok' },
    });
  });

  it('keeps tasks private to the key that created them: read, list and subscribe', async () => {
    const created = await gql<{ createVideo: { id: string } }>(
      stack.url,
      'mutation { createVideo(input: { query: "a secret garden [sim:ms=300]" }) { ... on VideoTask { id } } }',
      undefined,
      bearer(ALICE),
    );
    const id = created.data!.createVideo.id;
    const asAlice = await gql<{ task: { prompt: string } | null }>(
      stack.url,
      `{ task(id: "${id}") { prompt } }`,
      undefined,
      bearer(ALICE),
    );
    expect(asAlice.data?.task?.prompt).toContain('secret garden');

    const asBob = await gql<{ task: unknown; tasks: { edges: unknown[] } }>(
      stack.url,
      `{ task(id: "${id}") { prompt } tasks(first: 50) { edges { node { id } } } }`,
      undefined,
      bearer(BOB),
    );
    expect(asBob.data?.task).toBeNull();
    expect(JSON.stringify(asBob)).not.toContain(id);

    const bob = connect(stack, bearer(BOB));
    const result = await firstResult(bob, 'subscription ($id: ID!) { videoTaskUpdated(id: $id) { prompt } }', { id });
    await bob.dispose();
    expect(JSON.stringify(result.value)).toContain('NOT_FOUND');
    expect(JSON.stringify(result.value)).not.toContain('secret garden');
  });

  it('closes a WebSocket with 4401 without a key and 4403 with a wrong one', async () => {
    const none = connect(stack);
    expect((await firstResult(none, '{ health { status } }')).closeCode).toBe(4401);
    await none.dispose();
    const wrong = connect(stack, bearer('wrong-key'));
    expect((await firstResult(wrong, '{ health { status } }')).closeCode).toBe(4403);
    await wrong.dispose();
  });

  it('accepts a WebSocket key in connection_init or as an upgrade header', async () => {
    const viaInit = connect(stack, { authorization: `Bearer ${ALICE}` });
    expect((await firstResult(viaInit, '{ health { status } }')).value).toEqual({ data: { health: { status: 'ok' } } });
    await viaInit.dispose();
    const viaHeader = connect(stack, undefined, { 'x-api-key': BOB });
    expect((await firstResult(viaHeader, '{ health { status } }')).value).toEqual({
      data: { health: { status: 'ok' } },
    });
    await viaHeader.dispose();
  });

  it('requires the key for SSE subscriptions too', async () => {
    const response = await fetch(`${stack.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription { taskUpdated(id: "x") { id } }' }),
      signal: AbortSignal.timeout(5000),
    });
    const text = await response.text();
    expect(text).toContain('UNAUTHENTICATED');
  });

  it('never logs a key', () => {
    const all = stack.logs.join('\n');
    for (const key of [ALICE, BOB, CAROL, 'not-a-key', 'wrong-key']) expect(all).not.toContain(key);
  });
});
