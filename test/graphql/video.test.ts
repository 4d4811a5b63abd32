/**
 * Video v2 over GraphQL: createVideo with a mode and a source image, the new fields on VideoTask, and the
 * subscriptions (graphql-ws and SSE) reporting them.
 */
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { gql, startStack, type Stack } from '../support/stack.js';

const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a3c5e1b10000000049454e44ae426082',
  'hex',
);

const CREATE = /* GraphQL */ `
  mutation ($input: CreateVideoInput!) {
    createVideo(input: $input) {
      __typename
      ... on VideoTask { id status mode aspect }
      ... on Error { code message }
      ... on InvalidRequestError { field }
      ... on RateLimitedError { retryAfterSeconds }
    }
  }
`;
const FIELDS = 'id status mode video width height durationSeconds';

type Created = {
  __typename: string;
  id?: string;
  status?: string;
  mode?: string;
  code?: string;
  message?: string;
  field?: string;
  retryAfterSeconds?: number;
};

let stack: Stack;
let ws: Client;
beforeAll(async () => {
  stack = await startStack({ env: { VIDEO_WARMUP_TTL: '0ms' } });
  ws = createClient({ url: `${stack.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
});
afterAll(async () => {
  await ws.dispose();
  await stack.close();
});
beforeEach(() => {
  stack.sim.reset();
  stack.sim.configureVideo({ fastCreations: 5, fastCountForm: 'aria', upload: 'ok' });
});

async function createVideo(input: Record<string, unknown>): Promise<Created> {
  const result = await gql<{ createVideo: Created }>(stack.url, CREATE, { input });
  expect(result.errors).toBeUndefined();
  return result.data!.createVideo;
}

function collect(query: string, variables: Record<string, unknown>): Promise<Array<Record<string, any>>> {
  return new Promise((resolve, reject) => {
    const results: Array<Record<string, any>> = [];
    ws.subscribe(
      { query, variables },
      {
        next: (value) => results.push(value.data as Record<string, any>),
        error: reject,
        complete: () => resolve(results),
      },
    );
  });
}

describe('createVideo', () => {
  it('takes a mode and shows the one Bing took', async () => {
    const standard = await createVideo({ query: 'waves [sim:ms=0]', mode: 'STANDARD' });
    expect(standard).toMatchObject({ __typename: 'VideoTask', mode: 'STANDARD', status: 'PROCESSING' });
    const chosen = await createVideo({ query: 'waves [sim:ms=0]' });
    expect(chosen.mode).toBe('FAST');
  });

  it('fast creations running out: FAST is a RateLimitedError saying standard is open; left open, STANDARD', async () => {
    stack.sim.configureVideo({ fastCreations: 0 });
    const refused = await createVideo({ query: 'waves [sim:ms=0]', mode: 'FAST' });
    expect(refused.__typename).toBe('RateLimitedError');
    expect(refused.message).toMatch(/standard mode is still open/i);
    expect(refused.retryAfterSeconds).toBeGreaterThan(0);
    const fallback = await createVideo({ query: 'waves [sim:ms=0]' });
    expect(fallback.mode).toBe('STANDARD');
    const health = await gql<{
      health: { videoAccounts: Array<{ account: string; fastCreationsLeft: number | null }> };
    }>(stack.url, '{ health { videoAccounts { account fastCreationsLeft } } }');
    expect(health.data?.health.videoAccounts).toEqual([
      { account: expect.stringMatching(/^[0-9a-f]{12}$/), fastCreationsLeft: 0 },
    ]);
  });

  it('animates an image given as base64 or as a URL', async () => {
    const inline = await createVideo({ query: 'move [sim:ms=0]', image: { base64: PNG.toString('base64') } });
    expect(inline.__typename).toBe('VideoTask');
    const byUrl = await createVideo({
      query: 'move [sim:ms=0]',
      image: { url: `${stack.sim.url}/th/id/OIG1.still?pid=ImgGn` },
    });
    expect(byUrl.__typename).toBe('VideoTask');
    expect(stack.sim.video.uploads.size).toBe(2);
  });

  it('bad images and modes are InvalidRequestErrors naming the field; nothing reaches Bing', async () => {
    for (const [input, field] of [
      [{ query: 'x', image: { base64: Buffer.from('GIF89a....').toString('base64') } }, 'image.base64'],
      [{ query: 'x', image: { base64: '%%%' } }, 'image.base64'],
      [{ query: 'x', image: { url: 'https://example.com/a.png' } }, 'image.url'],
      [{ query: 'x', image: {} }, 'image'],
    ] as const) {
      expect(await createVideo(input)).toMatchObject({
        __typename: 'InvalidRequestError',
        code: 'INVALID_REQUEST',
        field,
      });
    }
    const badMode = await gql(stack.url, CREATE, { input: { query: 'x', mode: 'SLOW' } });
    expect(badMode.errors?.[0]?.message).toMatch(/VideoMode/);
    expect(stack.sim.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });
});

describe('subscriptions report the mode and the new fields', () => {
  it('videoTaskUpdated over graphql-ws', async () => {
    const { id } = await createVideo({
      query: 'waves [sim:video=value] [sim:video-seconds=12] [sim:ms=600]',
      aspect: 'LANDSCAPE',
    });
    const updates = (await collect(`subscription ($id: ID!) { videoTaskUpdated(id: $id) { ${FIELDS} } }`, { id })).map(
      (r) => r['videoTaskUpdated'],
    );
    expect(updates[0]).toMatchObject({
      status: 'PROCESSING',
      mode: 'FAST',
      width: null,
      height: null,
      durationSeconds: null,
    });
    expect(updates.at(-1)).toMatchObject({
      status: 'COMPLETED',
      mode: 'FAST',
      width: 1280,
      height: 720,
      durationSeconds: 12,
    });
  });

  it('taskUpdated over graphql-ws, a standard video', async () => {
    const { id } = await createVideo({ query: 'waves [sim:video=cards] [sim:ms=300]', mode: 'STANDARD' });
    const updates = (
      await collect(`subscription ($id: ID!) { taskUpdated(id: $id) { ... on VideoTask { ${FIELDS} } } }`, { id })
    ).map((r) => r['taskUpdated']);
    expect(updates.at(-1)).toMatchObject({
      status: 'COMPLETED',
      mode: 'STANDARD',
      width: 720,
      height: 1280,
      durationSeconds: 8,
    });
  });

  it('videoTaskUpdated over SSE', async () => {
    const { id } = await createVideo({ query: 'waves [sim:video=value] [sim:ms=400]', mode: 'STANDARD' });
    const response = await fetch(`${stack.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({
        query: `subscription ($id: ID!) { videoTaskUpdated(id: $id) { ${FIELDS} } }`,
        variables: { id },
      }),
      signal: AbortSignal.timeout(15_000),
    });
    const updates = (await response.text())
      .split('\n')
      .filter((line) => line.startsWith('data:') && line.includes('{'))
      .map(
        (line) =>
          (JSON.parse(line.slice(5)) as { data: { videoTaskUpdated: Record<string, unknown> } }).data.videoTaskUpdated,
      );
    expect(updates[0]).toMatchObject({ status: 'PROCESSING', mode: 'STANDARD' });
    expect(updates.at(-1)).toMatchObject({
      status: 'COMPLETED',
      mode: 'STANDARD',
      width: 720,
      height: 1280,
      durationSeconds: 8,
    });
  });
});
