/**
 * The admin view (GraphQL `accounts`, `setAccountEnabled`, REST GET /accounts): an admin key reads it;
 * other keys get UNAUTHENTICATED or FORBIDDEN over REST, GraphQL over HTTP and WebSocket; without any
 * keys it answers loopback callers only.
 */
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { rest } from '../rest/http.js';
import { gql, startStack, type Stack } from '../support/stack.js';
import { COOKIES, account, accountsFile } from './support.js';

const USER = 'user-key-3b8e1f0a9c2d';
const ADMIN = 'admin-key-7d4c2b9e1a0f';
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const ACCOUNTS =
  '{ accounts { label state enabled boosts fastCreationsLeft inFlight maxInFlight generationsToday failuresToday lastErrorCode lastErrorAt coolingUntil } }';

async function overWebSocket(url: string, key: string, query: string) {
  const client: Client = createClient({
    url: `${url.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${key}` },
  });
  try {
    return await new Promise<{ data?: any; errors?: any[] }>((resolve, reject) => {
      let result: { data?: any; errors?: any[] } = {};
      client.subscribe(
        { query },
        {
          next: (value) => {
            result = value as typeof result;
          },
          error: (error) => (Array.isArray(error) ? resolve({ errors: error }) : reject(error)),
          complete: () => resolve(result),
        },
      );
    });
  } finally {
    await client.dispose();
  }
}

describe('the admin view with keys', () => {
  let stack: Stack;
  beforeAll(async () => {
    const file = accountsFile([account('a'), account('b', { maxInFlight: 2, enabled: false })]);
    stack = await startStack({
      env: { BING_COOKIE_U: '', BING_ACCOUNTS_FILE: file.file, API_KEYS: USER, ADMIN_API_KEYS: ADMIN },
    });
  });
  afterAll(() => stack.close());

  it('REST: 401 without a key, 403 with an ordinary key, the accounts with the admin key', async () => {
    const none = await rest(stack.url, '/accounts');
    expect(none.status).toBe(401);
    expect(none.body.error.type).toBe('authentication_error');
    const user = await rest(stack.url, '/accounts', { headers: bearer(USER) });
    expect(user.status).toBe(403);
    expect(user.body.error.type).toBe('permission_error');
    const admin = await rest(stack.url, '/accounts', { headers: { 'x-api-key': ADMIN } });
    expect(admin.status).toBe(200);
    expect(admin.body.data.accounts).toEqual([
      expect.objectContaining({ label: 'a', state: 'active', enabled: true, maxInFlight: 10000, inFlight: 0 }),
      expect.objectContaining({ label: 'b', state: 'disabled', enabled: false, maxInFlight: 2 }),
    ]);
    for (const cookie of Object.values(COOKIES)) expect(admin.text).not.toContain(cookie);
  });

  it('GraphQL over HTTP: UNAUTHENTICATED without a key, FORBIDDEN with an ordinary key, for the query and the mutation', async () => {
    const none = await gql(stack.url, ACCOUNTS);
    expect(none.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const user = await gql(stack.url, ACCOUNTS, undefined, bearer(USER));
    expect(user.data).toBeNull();
    expect(user.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const toggle = await gql(
      stack.url,
      'mutation { setAccountEnabled(label: "b", enabled: true) { state } }',
      undefined,
      bearer(USER),
    );
    expect(toggle.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const admin = await gql<{ accounts: Array<{ label: string; state: string }> }>(
      stack.url,
      ACCOUNTS,
      undefined,
      bearer(ADMIN),
    );
    expect(admin.data?.accounts.map((a) => [a.label, a.state])).toEqual([
      ['a', 'ACTIVE'],
      ['b', 'DISABLED'],
    ]);
  });

  it('GraphQL over WebSocket: FORBIDDEN with an ordinary key, the accounts with the admin key', async () => {
    const user = await overWebSocket(stack.url, USER, ACCOUNTS);
    expect(user.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const admin = await overWebSocket(stack.url, ADMIN, ACCOUNTS);
    expect(admin.data.accounts.map((a: { label: string }) => a.label)).toEqual(['a', 'b']);
  });

  it('an admin switches an account on and off; an unknown label is NOT_FOUND', async () => {
    const on = await gql(
      stack.url,
      'mutation { setAccountEnabled(label: "b", enabled: true) { label state enabled } }',
      undefined,
      bearer(ADMIN),
    );
    expect(on.data).toEqual({ setAccountEnabled: { label: 'b', state: 'ACTIVE', enabled: true } });
    const off = await gql(
      stack.url,
      'mutation { setAccountEnabled(label: "b", enabled: false) { state } }',
      undefined,
      bearer(ADMIN),
    );
    expect(off.data).toEqual({ setAccountEnabled: { state: 'DISABLED' } });
    const unknown = await gql(
      stack.url,
      'mutation { setAccountEnabled(label: "zz", enabled: false) { state } }',
      undefined,
      bearer(ADMIN),
    );
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    // The ordinary key still generates; the admin key is not refused by the rest of the API either.
    expect(
      (await rest(stack.url, '/create/image', { json: { query: 'ok [sim:ms=10]' }, headers: bearer(USER) })).status,
    ).toBe(200);
    expect((await rest(stack.url, '/health', { headers: bearer(ADMIN) })).status).toBe(200);
  });
});

describe('the admin view without keys', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { TRUST_PROXY: '1' } });
  });
  afterAll(() => stack.close());

  it('answers a loopback caller, and refuses one from elsewhere with 403 / FORBIDDEN', async () => {
    const local = await rest(stack.url, '/accounts');
    expect(local.status).toBe(200);
    expect(local.body.data.accounts).toHaveLength(1);
    const remote = { 'x-forwarded-for': '203.0.113.7' };
    expect((await rest(stack.url, '/accounts', { headers: remote })).status).toBe(403);
    const graphql = await gql(stack.url, ACCOUNTS, undefined, remote);
    expect(graphql.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('the admin view with API keys and no admin keys', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { API_KEYS: USER } });
  });
  afterAll(() => stack.close());

  it('is closed to every key, even from loopback', async () => {
    expect((await rest(stack.url, '/accounts', { headers: bearer(USER) })).status).toBe(403);
    expect((await gql(stack.url, ACCOUNTS, undefined, bearer(USER))).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
