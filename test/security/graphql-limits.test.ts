import { createClient } from 'graphql-ws';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { gql, startStack, type Stack } from '../support/stack.js';

const CREATE_IMAGE =
  'mutation ($q: String!) { createImage(input: { query: $q }) { __typename ... on Error { code message } ... on RateLimitedError { retryAfterSeconds } } }';
const CREATE_VIDEO =
  'mutation ($q: String!) { createVideo(input: { query: $q }) { __typename ... on VideoTask { id status } ... on Error { code } } }';

type Result = { __typename: string; code?: string; retryAfterSeconds?: number; id?: string; status?: string };

describe('limits', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('rate-limits generation requests per caller, with a retry time, and recovers', async () => {
    stack = await startStack({ env: { RATE_LIMIT_PER_MINUTE: '2' } });
    const results: Result[] = [];
    for (let i = 0; i < 3; i += 1) {
      results.push(
        (await gql<{ createImage: Result }>(stack.url, CREATE_IMAGE, { q: `cat ${i} [sim:ms=10]` })).data!.createImage,
      );
    }
    expect(results.map((r) => r.__typename)).toEqual(['ImageGeneration', 'ImageGeneration', 'RateLimitedError']);
    expect(results[2]?.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(stack.sim.submits()).toHaveLength(2);
  });

  it('queues generations past the Bing slots (QUEUED), refuses past the queue, and runs the queue in turn', async () => {
    stack = await startStack({ env: { BING_MAX_IN_FLIGHT: '1', QUEUE_MAX: '1' } });
    const first = (await gql<{ createVideo: Result }>(stack.url, CREATE_VIDEO, { q: 'one [sim:ms=400]' })).data!
      .createVideo;
    const second = (await gql<{ createVideo: Result }>(stack.url, CREATE_VIDEO, { q: 'two [sim:ms=100]' })).data!
      .createVideo;
    const third = (await gql<{ createVideo: Result }>(stack.url, CREATE_VIDEO, { q: 'three' })).data!.createVideo;
    expect(first.status).toBe('PROCESSING');
    expect(second.status).toBe('QUEUED');
    expect(third).toMatchObject({ __typename: 'RateLimitedError', code: 'RATE_LIMITED' });
    expect(stack.sim.submits()).toHaveLength(1);

    const status = async (id: string) =>
      (await gql<{ task: { status: string } }>(stack!.url, `{ task(id: "${id}") { status } }`)).data?.task.status;
    await expect.poll(() => status(second.id!), { timeout: 5000 }).toBe('COMPLETED');
    expect(await status(first.id!)).toBe('COMPLETED');
    // The queued video was submitted only once the first had finished.
    const [firstSubmit, secondSubmit] = stack.sim.submits();
    const firstJob = [...stack.sim.jobs.values()].find((job) => job.prompt.startsWith('one'));
    expect(secondSubmit!.at).toBeGreaterThanOrEqual(firstJob!.firstSeenDoneAt!);
    expect(firstSubmit!.at).toBeLessThan(secondSubmit!.at);

    const again = (await gql<{ createVideo: Result }>(stack.url, CREATE_VIDEO, { q: 'four [sim:ms=10]' })).data!
      .createVideo;
    expect(again.status).toBe('PROCESSING');
  });

  it('limits generations in flight per caller', async () => {
    stack = await startStack({ env: { MAX_IN_FLIGHT_PER_KEY: '1' } });
    const first = (await gql<{ createVideo: Result }>(stack.url, CREATE_VIDEO, { q: 'slow [sim:ms=300]' })).data!
      .createVideo;
    const second = (await gql<{ createVideo: Result }>(stack.url, CREATE_VIDEO, { q: 'more' })).data!.createVideo;
    expect(first.status).toBe('PROCESSING');
    expect(second.code).toBe('RATE_LIMITED');
    await expect
      .poll(
        async () =>
          (await gql<{ createVideo: Result }>(stack!.url, CREATE_VIDEO, { q: 'later [sim:ms=10]' })).data!.createVideo
            .status,
        {
          timeout: 5000,
          interval: 100,
        },
      )
      .toBe('PROCESSING');
  });

  it('limits subscriptions open per caller with RATE_LIMITED, and frees the place when one ends', async () => {
    stack = await startStack({ env: { MAX_SUBSCRIPTIONS_PER_KEY: '1' } });
    const id = (await gql<{ createVideo: Result }>(stack.url, CREATE_VIDEO, { q: 'a long one [sim:ms=1500]' })).data!
      .createVideo.id!;
    const client = createClient({
      url: `${stack.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    const query = 'subscription ($id: ID!) { videoTaskUpdated(id: $id) { status } }';
    try {
      const first = new Promise<string[]>((resolve, reject) => {
        const seen: string[] = [];
        client.subscribe<{ videoTaskUpdated: { status: string } }>(
          { query, variables: { id } },
          {
            next: (r) => seen.push(r.data?.videoTaskUpdated.status ?? 'error'),
            error: reject,
            complete: () => resolve(seen),
          },
        );
      });
      await expect.poll(() => stack!.sim.polls().length, { timeout: 5000 }).toBeGreaterThan(0);
      const second = await new Promise<unknown>((resolve) => {
        client.subscribe({ query, variables: { id } }, { next: resolve, error: resolve, complete: () => undefined });
      });
      expect(JSON.stringify(second)).toContain('RATE_LIMITED');
      expect((await first).at(-1)).toBe('COMPLETED');
      const third = await new Promise<unknown>((resolve) => {
        client.subscribe({ query, variables: { id } }, { next: resolve, error: resolve, complete: () => undefined });
      });
      expect(third).toEqual({ data: { videoTaskUpdated: { status: 'COMPLETED' } } });
    } finally {
      await client.dispose();
    }
  });

  it('refuses a prompt over the length limit and strips control characters', async () => {
    stack = await startStack({ env: { MAX_PROMPT_LENGTH: '20' } });
    const long = (
      await gql<{ createImage: Result & { message: string } }>(stack.url, CREATE_IMAGE, { q: 'x'.repeat(21) })
    ).data!.createImage;
    expect(long).toMatchObject({ code: 'INVALID_REQUEST' });
    expect(long.message).toContain('20');
    await gql(stack.url, CREATE_IMAGE, { q: 'a\u0000b\u0007c\td [sim:ms=1]' });
    expect(stack.sim.submits()[0]?.query['q']).toBe('abc d [sim:ms=1]');
  });
});
