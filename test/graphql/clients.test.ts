import { ApolloClient, HttpLink, InMemoryCache, gql as apolloGql, split } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { Client as UrqlClient, fetchExchange, gql as urqlGql, subscriptionExchange } from '@urql/core';
import { createClient, type Client as WsClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startStack, type Stack } from '../support/stack.js';

const OPTIONS = 'query Options { options { models { id value description } aspects { id value ratio } } }';
const CREATE_IMAGE = /* GraphQL */ `
  mutation CreateImage($input: CreateImageInput!) {
    createImage(input: $input) {
      __typename
      ... on ImageGeneration { images { url } prompt model aspect }
      ... on Error { code message }
    }
  }
`;
const CREATE_VIDEO =
  'mutation CreateVideo($q: String!) { createVideo(input: { query: $q }) { __typename ... on VideoTask { id status } } }';
const VIDEO_UPDATES = 'subscription VideoUpdates($id: ID!) { videoTaskUpdated(id: $id) { id status video } }';

interface VideoUpdate {
  videoTaskUpdated: { id: string; status: string; video: string | null };
}

describe('the clients people use', () => {
  let stack: Stack;
  let ws: WsClient;

  beforeAll(async () => {
    stack = await startStack();
    ws = createClient({
      url: `${stack.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
  });
  afterAll(async () => {
    await ws.dispose();
    await stack.close();
  });

  it('Apollo Client runs options, createImage and the videoTaskUpdated subscription', async () => {
    const link = split(
      ({ query }) => {
        const definition = getMainDefinition(query);
        return definition.kind === 'OperationDefinition' && definition.operation === 'subscription';
      },
      new GraphQLWsLink(ws),
      new HttpLink({ uri: `${stack.url}/graphql` }),
    );
    const apollo = new ApolloClient({
      link,
      cache: new InMemoryCache({
        possibleTypes: {
          CreateImageResult: ['ImageGeneration', 'PromptRejectedError'],
          Error: ['PromptRejectedError'],
        },
      }),
    });
    try {
      const options = await apollo.query<{ options: { models: Array<{ id: string; value: number }> } }>({
        query: apolloGql(OPTIONS),
      });
      expect(options.data?.options.models.map((m) => [m.id, m.value])).toEqual([
        ['DALLE', 0],
        ['GPT4O', 1],
        ['MAI1', 4],
      ]);

      const image = await apollo.mutate<{
        createImage: { __typename: string; images: Array<{ url: string }>; model: string; aspect: string };
      }>({
        mutation: apolloGql(CREATE_IMAGE),
        variables: { input: { query: 'a red fox [sim:ms=50]', model: 'MAI1', aspect: 'PORTRAIT' } },
      });
      expect(image.data?.createImage).toMatchObject({
        __typename: 'ImageGeneration',
        model: 'MAI1',
        aspect: 'PORTRAIT',
      });
      expect(image.data?.createImage.images).toHaveLength(1);

      const video = await apollo.mutate<{ createVideo: { id: string } }>({
        mutation: apolloGql(CREATE_VIDEO),
        variables: { q: 'a river [sim:ms=300]' },
      });
      const id = video.data?.createVideo.id;
      expect(id).toBeTruthy();
      const statuses = await new Promise<string[]>((resolve, reject) => {
        const seen: string[] = [];
        apollo.subscribe<VideoUpdate>({ query: apolloGql(VIDEO_UPDATES), variables: { id } }).subscribe({
          next: (result) => {
            if (result.data) seen.push(result.data.videoTaskUpdated.status);
          },
          error: reject,
          complete: () => resolve(seen),
        });
      });
      expect(statuses[0]).toBe('PROCESSING');
      expect(statuses.at(-1)).toBe('COMPLETED');
    } finally {
      apollo.stop();
    }
  });

  it('urql runs options, createImage and the videoTaskUpdated subscription', async () => {
    const urql = new UrqlClient({
      url: `${stack.url}/graphql`,
      exchanges: [
        fetchExchange,
        subscriptionExchange({
          forwardSubscription(request) {
            const input = { ...request, query: request.query ?? '' };
            return { subscribe: (sink) => ({ unsubscribe: ws.subscribe(input, sink) }) };
          },
        }),
      ],
    });

    const options = await urql.query(urqlGql(OPTIONS), {}).toPromise();
    expect(options.error).toBeUndefined();
    expect((options.data as { options: { aspects: Array<{ id: string; ratio: string }> } }).options.aspects).toEqual([
      { id: 'SQUARE', value: 1, ratio: '1:1' },
      { id: 'LANDSCAPE', value: 2, ratio: '7:4' },
      { id: 'PORTRAIT', value: 3, ratio: '4:7' },
    ]);

    const image = await urql
      .mutation(urqlGql(CREATE_IMAGE), { input: { query: 'a blue whale [sim:ms=50]', model: 'DALLE' } })
      .toPromise();
    expect(image.error).toBeUndefined();
    const generation = (image.data as { createImage: { __typename: string; images: unknown[] } }).createImage;
    expect(generation.__typename).toBe('ImageGeneration');
    expect(generation.images).toHaveLength(4);

    const video = await urql.mutation(urqlGql(CREATE_VIDEO), { q: 'a forest [sim:ms=300]' }).toPromise();
    const id = (video.data as { createVideo: { id: string } }).createVideo.id;
    const statuses = await new Promise<string[]>((resolve) => {
      const seen: string[] = [];
      const subscription = urql.subscription(urqlGql(VIDEO_UPDATES), { id }).subscribe((result) => {
        const status = (result.data as VideoUpdate | undefined)?.videoTaskUpdated.status;
        if (status) seen.push(status);
        if (status === 'COMPLETED' || status === 'FAILED') {
          subscription.unsubscribe();
          resolve(seen);
        }
      });
    });
    expect(statuses[0]).toBe('PROCESSING');
    expect(statuses.at(-1)).toBe('COMPLETED');
  });
});
