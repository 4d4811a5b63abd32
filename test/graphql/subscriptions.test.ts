import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { gql, startStack, type Stack } from '../support/stack.js';

const VIDEO_UPDATES = /* GraphQL */ `
  subscription ($id: ID!) {
    videoTaskUpdated(id: $id) { id status video error errorCode aspect completedAt }
  }
`;

interface Update {
  data?: { videoTaskUpdated: { id: string; status: string; video: string | null } } | null;
  errors?: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }>;
}

/** Collects every message of one subscription until it completes or errors. */
function collect(
  client: Client,
  query: string,
  variables: Record<string, unknown>,
): Promise<{ results: Update[]; error?: unknown }> {
  return new Promise((resolve) => {
    const results: Update[] = [];
    client.subscribe<Update['data']>(
      { query, variables },
      {
        next: (value) => results.push(value as Update),
        error: (error) => resolve({ results, error }),
        complete: () => resolve({ results }),
      },
    );
  });
}

async function createVideo(url: string, prompt: string): Promise<string> {
  const result = await gql<{ createVideo: { id: string; status: string } }>(
    url,
    'mutation ($q: String!) { createVideo(input: { query: $q }) { ... on VideoTask { id status } ... on Error { code message } } }',
    { q: prompt },
  );
  const id = result.data?.createVideo.id;
  if (!id) throw new Error(`createVideo failed: ${JSON.stringify(result)}`);
  return id;
}

describe('videoTaskUpdated over graphql-ws', () => {
  let stack: Stack;
  let client: Client;

  beforeAll(async () => {
    stack = await startStack();
    client = createClient({
      url: `${stack.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
  });
  afterAll(async () => {
    await client.dispose();
    await stack.close();
  });

  it('sends PROCESSING, then COMPLETED with the video URL, then completes', async () => {
    const id = await createVideo(stack.url, 'a lighthouse at dawn [sim:ms=600]');
    const { results, error } = await collect(client, VIDEO_UPDATES, { id });
    expect(error).toBeUndefined();
    const statuses = results.map((r) => r.data?.videoTaskUpdated.status);
    expect(statuses[0]).toBe('PROCESSING');
    expect(statuses.at(-1)).toBe('COMPLETED');
    expect(statuses.filter((s) => s === 'COMPLETED')).toHaveLength(1);
    const last = results.at(-1)?.data?.videoTaskUpdated;
    expect(last?.id).toBe(id);
    expect(last?.video).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/videos\/.+pid=videocreator/);
  });

  it('gives a late subscriber the current state first, then completes', async () => {
    const id = await createVideo(stack.url, 'a quiet harbour [sim:ms=50]');
    await expect
      .poll(
        async () =>
          (await gql<{ task: { status: string } }>(stack.url, `{ task(id: "${id}") { status } }`)).data?.task.status,
        { timeout: 5000 },
      )
      .toBe('COMPLETED');
    const { results, error } = await collect(client, VIDEO_UPDATES, { id });
    expect(error).toBeUndefined();
    expect(results).toHaveLength(1);
    expect(results[0]?.data?.videoTaskUpdated.status).toBe('COMPLETED');
  });

  it('reports a failed video as FAILED with its message and code', async () => {
    const id = await createVideo(stack.url, 'a storm [sim:ms=100] [sim:video-error=Something broke upstream]');
    const { results } = await collect(client, VIDEO_UPDATES, { id });
    const last = results.at(-1)?.data?.videoTaskUpdated as
      | { status: string; error: string; errorCode: string }
      | undefined;
    expect(last?.status).toBe('FAILED');
    expect(last?.errorCode).toBe('UPSTREAM');
    expect(last?.error).toContain('Something broke upstream');
  });

  it('errors with NOT_FOUND for an unknown id', async () => {
    const { results, error } = await collect(client, VIDEO_UPDATES, { id: '00000000-0000-4000-8000-000000000000' });
    const errors = results[0]?.errors ?? (error as Update['errors']);
    expect(errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
  });

  it('follows any task with taskUpdated', async () => {
    const id = await createVideo(stack.url, 'a kite [sim:ms=200]');
    const { results } = await collect(
      client,
      'subscription ($id: ID!) { taskUpdated(id: $id) { __typename id status } }',
      { id },
    );
    const last = results.at(-1)?.data as unknown as { taskUpdated: { __typename: string; status: string } };
    expect(last.taskUpdated).toMatchObject({ __typename: 'VideoTask', status: 'COMPLETED' });
  });
});
