/**
 * GET queries of `options` alone are answered from memory with an ETag, and a 304 to If-None-Match;
 * nothing else is: health and tasks are executed on every request, and keys are still required.
 */
import { afterEach, expect, it } from 'vitest';
import { OPTIONS } from '../../src/tasks/options.js';
import { startStack, type Stack } from '../support/stack.js';

const OPTIONS_QUERY =
  '{ options { models { id value description } aspects { id value ratio } videoAspects { id value } } }';
const ACCEPT = 'application/graphql-response+json';

let stack: Stack | undefined;

afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

function get(query: string, headers: Record<string, string> = {}) {
  return fetch(`${stack!.url}/graphql?query=${encodeURIComponent(query)}`, { headers: { accept: ACCEPT, ...headers } });
}

it('answers the same bytes with an ETag, and 304 when the client has them', async () => {
  stack = await startStack();
  const first = await get(OPTIONS_QUERY);
  const firstBody = await first.text();
  expect(first.status).toBe(200);
  const data = JSON.parse(firstBody).data.options;
  expect(data.models.map((m: { id: string; value: number }) => [m.id, m.value])).toEqual(
    OPTIONS.models.map((m) => [m.id, m.value]),
  );
  const etag = first.headers.get('etag');
  expect(etag).toMatch(/^"[\w-]{20,}"$/);
  expect(first.headers.get('cache-control')).toBe('no-cache');

  const second = await get(OPTIONS_QUERY);
  expect(second.status).toBe(200);
  expect(await second.text()).toBe(firstBody);
  expect(second.headers.get('etag')).toBe(etag);
  expect(second.headers.get('content-type')).toBe(first.headers.get('content-type'));
  // CORS applies to a kept answer as to any other.
  const fromPage = await get(OPTIONS_QUERY, { origin: 'http://app.example' });
  expect(fromPage.status).toBe(200);
  expect(fromPage.headers.get('access-control-allow-origin')).toBe('*');

  for (const tag of [etag!, `W/${etag}`, `"other", ${etag}`, '*']) {
    const cached = await get(OPTIONS_QUERY, { 'if-none-match': tag });
    expect(cached.status, tag).toBe(304);
    expect(await cached.text()).toBe('');
    expect(cached.headers.get('etag')).toBe(etag);
  }
  const stale = await get(OPTIONS_QUERY, { 'if-none-match': '"something-else"' });
  expect(stale.status).toBe(200);
  expect(await stale.text()).toBe(firstBody);

  // Another Accept is another answer, in its own media type.
  const json = await get(OPTIONS_QUERY, { accept: 'application/json' });
  expect(json.status).toBe(200);
  expect(json.headers.get('content-type')).toMatch(/^application\/json/);
  expect(JSON.parse(await json.text())).toEqual(JSON.parse(firstBody));
});

it('executes every other query each time, and a POST of options too', async () => {
  stack = await startStack();
  const mixed = '{ health { activeTasks } options { models { id } } }';
  const before = await get(mixed);
  expect(before.headers.get('etag')).toBeNull();
  expect(JSON.parse(await before.text()).data.health.activeTasks).toBe(0);
  // A generation that never ends keeps one task active.
  const video = await fetch(`${stack.url}/create/video`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'a long wait [sim:never]' }),
  });
  expect(video.status).toBe(200);
  const after = await get(mixed);
  expect(JSON.parse(await after.text()).data.health.activeTasks).toBe(1);

  const withVariables = 'query ($skip: Boolean!) { options { models { id @skip(if: $skip) value } } }';
  for (const skip of [false, true]) {
    const answer = await fetch(
      `${stack.url}/graphql?query=${encodeURIComponent(withVariables)}&variables=${encodeURIComponent(JSON.stringify({ skip }))}`,
      {
        headers: { accept: ACCEPT },
      },
    );
    expect(answer.headers.get('etag')).toBeNull();
    expect(JSON.parse(await answer.text()).data.options.models[0].id === undefined).toBe(skip);
  }

  const post = await fetch(`${stack.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: ACCEPT },
    body: JSON.stringify({ query: OPTIONS_QUERY }),
  });
  expect(post.status).toBe(200);
  expect(post.headers.get('etag')).toBeNull();
});

it('still needs a key when keys are on, even for an answer it keeps', async () => {
  stack = await startStack({ env: { API_KEYS: 'key-of-alice-0123456789' } });
  const authorization = 'Bearer key-of-alice-0123456789';
  for (let i = 0; i < 2; i += 1) expect((await get(OPTIONS_QUERY, { authorization })).status).toBe(200);
  const anonymous = await get(OPTIONS_QUERY);
  expect(anonymous.status).toBe(401);
  expect(JSON.parse(await anonymous.text()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  expect((await get(OPTIONS_QUERY, { authorization: 'Bearer wrong-key-000000000000' })).status).toBe(401);
  expect((await get(OPTIONS_QUERY, { authorization, 'if-none-match': '*' })).status).toBe(304);
});
