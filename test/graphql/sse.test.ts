import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, startStack, type Stack } from '../support/stack.js';

describe('subscriptions over SSE', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('streams the video task to COMPLETED as text/event-stream, then ends', async () => {
    const created = await gql<{ createVideo: { id: string } }>(
      stack.url,
      'mutation { createVideo(input: { query: "a meadow [sim:ms=400]", aspect: LANDSCAPE }) { ... on VideoTask { id } } }',
    );
    const id = created.data?.createVideo.id;
    expect(id).toBeTruthy();

    const response = await fetch(`${stack.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({
        query: 'subscription ($id: ID!) { videoTaskUpdated(id: $id) { status video aspect } }',
        variables: { id },
      }),
      signal: AbortSignal.timeout(10_000),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const text = await response.text();
    const events = text
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).trim())
      .filter((data) => data.startsWith('{'))
      .map(
        (data) =>
          JSON.parse(data) as { data?: { videoTaskUpdated: { status: string; video: string | null; aspect: string } } },
      );
    const updates = events.map((event) => event.data?.videoTaskUpdated).filter(Boolean);
    expect(updates[0]?.status).toBe('PROCESSING');
    expect(updates.at(-1)).toMatchObject({ status: 'COMPLETED', aspect: 'LANDSCAPE' });
    expect(updates.at(-1)?.video).toContain('pid=videocreator');
  });
});
