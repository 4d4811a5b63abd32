/**
 * urql with the typed documents, a video followed live over graphql-ws.
 * Run: npx tsx examples/urql.ts http://127.0.0.1:7860
 */
import { Client, fetchExchange, subscriptionExchange } from '@urql/core';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { CreateVideoDocument, VideoTaskUpdatedDocument, type VideoTaskUpdatedSubscription } from './generated.js';

type VideoState = VideoTaskUpdatedSubscription['videoTaskUpdated'];

export async function urqlExample(server: string, prompt = 'waves at dawn'): Promise<VideoState[]> {
  const ws = createWsClient({ url: `${server.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket });
  const client = new Client({
    url: `${server}/graphql`,
    exchanges: [
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? '' }, sink) }),
        }),
      }),
    ],
  });
  try {
    const created = await client.mutation(CreateVideoDocument, { input: { query: prompt, mode: 'FAST' } }).toPromise();
    const task = created.data?.createVideo;
    if (task?.__typename !== 'VideoTask') {
      throw new Error(task && 'code' in task ? `${task.code}: ${task.message}` : String(created.error));
    }
    const states: VideoState[] = [];
    await new Promise<void>((resolve, reject) => {
      const { unsubscribe } = client.subscription(VideoTaskUpdatedDocument, { id: task.id }).subscribe((result) => {
        if (result.error) return reject(result.error);
        const state = result.data?.videoTaskUpdated;
        if (!state) return;
        states.push(state);
        if (state.status === 'COMPLETED' || state.status === 'FAILED') {
          unsubscribe();
          resolve();
        }
      });
    });
    return states;
  } finally {
    await ws.dispose();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await urqlExample(process.argv[2] ?? 'http://127.0.0.1:7860'));
}
