/** One CORS policy on both surfaces: REST and GraphQL answer a caller's origin, and its preflight, alike. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { FAST, startStack, type Stack } from '../support/stack.js';

const HEALTH = JSON.stringify({ query: '{ health { status } }' });

/** The CORS headers of an answer, by surface, for one Origin. */
async function answer(url: string, surface: 'rest' | 'graphql', origin: string): Promise<Headers> {
  const response =
    surface === 'rest'
      ? await fetch(`${url}/health`, { headers: { origin } })
      : await fetch(`${url}/graphql`, {
          method: 'POST',
          headers: { origin, 'content-type': 'application/json' },
          body: HEALTH,
        });
  expect(response.status).toBe(200);
  await response.arrayBuffer();
  return response.headers;
}

async function preflight(url: string, surface: 'rest' | 'graphql', origin: string): Promise<Response> {
  const response = await fetch(`${url}${surface === 'rest' ? '/create/image' : '/graphql'}`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type, authorization',
    },
  });
  await response.arrayBuffer();
  return response;
}

let sim: Simulator;
const stacks = new Map<string, Stack>();
beforeAll(async () => {
  sim = await startSimulator(FAST);
  for (const setting of ['*', 'https://app.example', 'https://app.example, https://admin.example']) {
    stacks.set(setting, await startStack({ env: { CORS_ORIGIN: setting }, simulator: sim }));
  }
});
afterAll(async () => {
  for (const stack of stacks.values()) await stack.close();
  await sim.close();
});
const url = (setting: string) => stacks.get(setting)!.url;

describe.each(['rest', 'graphql'] as const)('CORS on %s', (surface) => {
  it('with *, allows every origin and never credentials', async () => {
    const headers = await answer(url('*'), surface, 'https://somewhere.example');
    expect(headers.get('access-control-allow-origin')).toBe('*');
    expect(headers.get('access-control-allow-credentials')).toBeNull();
    expect(headers.get('access-control-expose-headers')).toBe('retry-after');
  });

  it('with one origin, allows it and no other', async () => {
    const ok = await answer(url('https://app.example'), surface, 'https://app.example');
    expect(ok.get('access-control-allow-origin')).toBe('https://app.example');
    expect(ok.get('vary')).toMatch(/origin/i);
    const other = await answer(url('https://app.example'), surface, 'https://evil.example');
    expect(other.get('access-control-allow-origin')).toBeNull();
    expect(other.get('vary')).toMatch(/origin/i);
  });

  it('with a list, allows each listed origin by itself and no other', async () => {
    const setting = 'https://app.example, https://admin.example';
    for (const origin of ['https://app.example', 'https://admin.example']) {
      expect((await answer(url(setting), surface, origin)).get('access-control-allow-origin')).toBe(origin);
    }
    expect((await answer(url(setting), surface, 'https://evil.example')).get('access-control-allow-origin')).toBeNull();
  });

  it('answers preflights with 204 and the same policy', async () => {
    const open = await preflight(url('*'), surface, 'https://somewhere.example');
    expect(open.status).toBe(204);
    expect(open.headers.get('access-control-allow-origin')).toBe('*');
    expect(open.headers.get('access-control-allow-methods')).toContain('POST');
    expect(open.headers.get('access-control-allow-headers')).toContain('authorization');
    const listed = await preflight(url('https://app.example, https://admin.example'), surface, 'https://admin.example');
    expect(listed.status).toBe(204);
    expect(listed.headers.get('access-control-allow-origin')).toBe('https://admin.example');
    const refused = await preflight(url('https://app.example'), surface, 'https://evil.example');
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });
});
