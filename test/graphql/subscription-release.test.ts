/**
 * A subscriber that goes away lets go of its subscription at once, not at the task's next change: the place
 * under MAX_SUBSCRIPTIONS_PER_KEY and the bic_subscriptions_open gauge come back while the video is still
 * running, over graphql-ws (socket closed, or the operation completed by the client) and over SSE.
 */
import { createClient, type Client } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { openSse } from '../support/sse.js';
import { gql, startStack, type Stack } from '../support/stack.js';

const LIMIT = 3;
const UPDATES = 'subscription ($id: ID!) { videoTaskUpdated(id: $id) { id status } }';

interface Message {
  data?: { videoTaskUpdated: { id: string; status: string } } | null;
  errors?: ReadonlyArray<{ extensions?: Record<string, unknown> }>;
}

let stack: Stack;
let id: string;
let startedAt: string;

beforeAll(async () => {
  stack = await startStack({ env: { MAX_SUBSCRIPTIONS_PER_KEY: String(LIMIT) } });
  // Far longer than the file: the task does not change while it runs.
  const created = await gql<{ createVideo: { id: string } }>(
    stack.url,
    'mutation { createVideo(input: { query: "a very long watch [sim:ms=600000]" }) { ... on VideoTask { id } } }',
  );
  id = created.data?.createVideo.id ?? '';
  expect(id).toBeTruthy();
  startedAt = await updatedAt();
});
afterAll(() => stack.close());

async function updatedAt(): Promise<string> {
  const result = await gql<{ task: { status: string; updatedAt: string } }>(
    stack.url,
    `{ task(id: "${id}") { status updatedAt } }`,
  );
  expect(result.data?.task.status).toBe('PROCESSING');
  return result.data?.task.updatedAt ?? '';
}

async function openGauge(): Promise<number> {
  const text = await (await fetch(`${stack.url}/metrics`)).text();
  const line = text.split('\n').find((sample) => sample.startsWith('bic_subscriptions_open '));
  return Number(line?.split(' ')[1]);
}

function wsClient(): Client {
  return createClient({
    url: `${stack.url.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
  });
}

/** Subscribes and resolves with the first message (the task's current state, or the refusal) and the way to stop. */
function firstMessage(client: Client): Promise<{ message: Message; stop: () => void }> {
  return new Promise((resolve, reject) => {
    const stop = client.subscribe<Message['data']>(
      { query: UPDATES, variables: { id } },
      { next: (message) => resolve({ message: message as Message, stop }), error: reject, complete: () => undefined },
    );
  });
}

/** `LIMIT` subscriptions, each seen answering with the task's current state. */
async function fill(client: Client): Promise<Array<() => void>> {
  const opened = await Promise.all(Array.from({ length: LIMIT }, () => firstMessage(client)));
  for (const { message } of opened) expect(message.data?.videoTaskUpdated).toEqual({ id, status: 'PROCESSING' });
  return opened.map(({ stop }) => stop);
}

/** One more subscription, on a socket of its own, is refused. */
async function refused(): Promise<void> {
  const client = wsClient();
  try {
    const { message } = await firstMessage(client).catch((errors: unknown) => ({ message: { errors } as Message }));
    expect(message.errors?.[0]?.extensions?.['code']).toBe('RATE_LIMITED');
  } finally {
    await client.dispose();
  }
}

/** Every subscription's place is free again (the gauge reads none open). */
async function allReleased(): Promise<void> {
  await vi.waitFor(async () => expect(await openGauge()).toBe(0), { timeout: 5_000 });
}

/** As many new subscriptions as the limit are accepted at once, on a socket of their own. */
async function fillAnew(): Promise<void> {
  const client = wsClient();
  try {
    await fill(client);
  } finally {
    await client.dispose();
  }
}

describe('a subscriber that goes away releases its subscription while the task still runs', () => {
  afterEach(async () => {
    await allReleased();
    // All of it happened while the task did not change.
    expect(await updatedAt()).toBe(startedAt);
  });

  it('over graphql-ws, when the socket closes', async () => {
    expect(await openGauge()).toBe(0);
    const client = wsClient();
    await fill(client);
    expect(await openGauge()).toBe(LIMIT);
    await refused();
    await client.dispose();
    await allReleased();
    await fillAnew();
  });

  it('over graphql-ws, when the client completes the operation and keeps the socket', async () => {
    const client = wsClient();
    try {
      const stops = await fill(client);
      await refused();
      for (const stop of stops) stop();
      await allReleased();
      await fill(client);
    } finally {
      await client.dispose();
    }
  });

  it('over SSE, when the client aborts the request', async () => {
    const open = [];
    for (let i = 0; i < LIMIT; i++) open.push(await openSse<Message>(stack.url, UPDATES, { id }));
    for (const { first } of open) expect(first.data?.videoTaskUpdated).toEqual({ id, status: 'PROCESSING' });
    expect(await openGauge()).toBe(LIMIT);
    await refused();
    for (const { abort } of open) abort();
    await allReleased();
    await fillAnew();
  });
});
