/** REST and GraphQL are two views of one service: the same generation reaches Bing the same way. */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { RecordedRequest } from '../../src/simulator/index.js';
import { gql, startStack, type Stack } from '../support/stack.js';
import { QUICK, expectSuccess, rest } from './http.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ sim: QUICK });
  // Let the session check of the start finish, so it is part of neither generation.
  await vi.waitFor(async () => expect((await stack.app.service.health()).session).toBe('active'));
  stack.sim.reset();
});
afterAll(() => stack.close());

const RELEVANT_HEADERS = [
  'accept',
  'accept-language',
  'content-type',
  'content-length',
  'cookie',
  'origin',
  'referer',
  'user-agent',
];
const BING_ID = /1-[0-9a-f]{32}/g;

/** What Bing sees, without what differs between two runs (the job id); repeated polls counted once. */
function seen(requests: RecordedRequest[]) {
  const normal = requests.map((r) => ({
    method: r.method,
    path: r.path.replace(BING_ID, '<id>'),
    query: Object.fromEntries(Object.entries(r.query).map(([k, v]) => [k, v.replace(BING_ID, '<id>')])),
    headers: Object.fromEntries(RELEVANT_HEADERS.map((name) => [name, r.headers[name]?.replace(BING_ID, '<id>')])),
    body: r.body,
  }));
  return normal.filter((r, i) => i === 0 || JSON.stringify(r) !== JSON.stringify(normal[i - 1]));
}

async function recorded(work: () => Promise<void>) {
  stack.sim.reset();
  await work();
  return seen([...stack.sim.requests]);
}

it('createImage', async () => {
  const input = { query: 'a harbour at noon [sim:ms=60]', model: 'GPT4O', aspect: 'LANDSCAPE' };
  let viaRest: any;
  let viaGraphQL: any;
  const restRequests = await recorded(async () => {
    viaRest = expectSuccess(await rest(stack.url, '/create/image', { json: input }));
  });
  const graphqlRequests = await recorded(async () => {
    const answer = await gql<{ createImage: any }>(
      stack.url,
      'mutation ($input: CreateImageInput!) { createImage(input: $input) { __typename ... on ImageGeneration { images { url } prompt model aspect } } }',
      { input },
    );
    viaGraphQL = answer.data!.createImage;
  });

  expect(restRequests.length).toBeGreaterThanOrEqual(2);
  expect(restRequests.find((r) => r.method === 'POST')).toMatchObject({ query: { q: input.query, mdl: '1', ar: '2' } });
  expect(graphqlRequests).toEqual(restRequests);
  expect(viaGraphQL.__typename).toBe('ImageGeneration');
  expect([viaGraphQL.model, viaGraphQL.aspect, viaGraphQL.prompt]).toEqual([
    viaRest.model,
    viaRest.aspect,
    viaRest.prompt,
  ]);
  expect(viaGraphQL.images).toHaveLength(viaRest.images.length);
});

it('createVideo submits the same way', async () => {
  const input = { query: 'a kite over dunes [sim:ms=30]', aspect: 'LANDSCAPE' };
  const submit = async (work: () => Promise<void>) => {
    stack.sim.reset();
    await work();
    return seen(stack.sim.submits());
  };
  const viaRest = await submit(async () => {
    expectSuccess(await rest(stack.url, '/create/video', { json: input }));
  });
  const viaGraphQL = await submit(async () => {
    const answer = await gql(
      stack.url,
      'mutation ($input: CreateVideoInput!) { createVideo(input: $input) { __typename } }',
      { input },
    );
    expect(answer.data).toEqual({ createVideo: { __typename: 'VideoTask' } });
  });
  expect(viaRest).toHaveLength(1);
  expect(viaGraphQL).toEqual(viaRest);
});
