/**
 * SIGTERM: the server closes WebSockets with 1001, answers what is in flight, leaves running generations
 * PROCESSING for the next start, and exits 0 within SHUTDOWN_TIMEOUT, whatever its peers do.
 */
import net from 'node:net';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { SqliteTaskStore } from '../../src/tasks/sqlite-store.js';
import type { Task } from '../../src/tasks/task.js';
import { gql } from '../support/stack.js';
import { killServers, serverEnv, spawnServer, tempDir, until, within } from './server-process.js';
import { subscribe, type Subscriber } from './subscriber.js';
import { createVideo, readTask } from './tasks.js';

const SHUTDOWN_MS = 3_000;

let sim: Simulator | undefined;
let data: ReturnType<typeof tempDir> | undefined;
const subscribers: Subscriber[] = [];
const sockets: net.Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(subscribers.splice(0).map((s) => s.dispose()));
  await killServers();
  await sim?.close();
  data?.remove();
  sim = data = undefined;
});

async function storedTasks(dir: string): Promise<Task[]> {
  const store = SqliteTaskStore.open(path.join(dir, 'tasks.sqlite'));
  try {
    return (await store.page({ first: 10 })).tasks;
  } finally {
    await store.close();
  }
}

/** A WebSocket peer that completes the handshake and then never answers anything, not even a close frame. */
async function deafPeer(url: string): Promise<net.Socket> {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  sockets.push(socket);
  socket.write(
    'GET /graphql HTTP/1.1\r\n' +
      `Host: ${hostname}:${port}\r\n` +
      'Upgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' +
      'Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n',
  );
  const head = await within(
    new Promise<string>((resolve) => socket.once('data', (chunk: Buffer) => resolve(chunk.toString('latin1')))),
    5_000,
    'no handshake answer',
  );
  expect(head).toMatch(/^HTTP\/1\.1 101/);
  return socket;
}

it('SIGTERM closes subscriptions with 1001, answers a waiting mutation, exits 0, and the next start finishes both', async () => {
  sim = await startSimulator({ timeScale: 0.01 });
  data = tempDir('durable-stop-');
  const env = serverEnv(sim.url, data.dir, { SHUTDOWN_TIMEOUT: `${SHUTDOWN_MS}ms` });

  const first = await spawnServer(env);
  const id = await createVideo(first.url, 'a paper boat [sim:ms=4000]');
  const watcher = subscribe(first.url, 'taskUpdated', id);
  subscribers.push(watcher);
  const waiting = settle(
    gql<{ createImage: { __typename: string; message?: string } }>(
      first.url,
      'mutation { createImage(input: { query: "a slow painting [sim:ms=4000]" }) { __typename ... on Error { message } } }',
    ),
  );
  await until(
    () => (watcher.updates.length > 0 && sim!.jobs.size === 2 && sim!.polls().length > 0 ? true : undefined),
    5_000,
    'both submits, a poll and an update',
  );
  expect(watcher.updates[0]?.status).toBe('PROCESSING');

  const stopping = Date.now();
  const exit = await first.kill('SIGTERM', SHUTDOWN_MS + 3_000);
  const took = Date.now() - stopping;
  expect(exit).toEqual({ code: 0, signal: null });
  // Well inside the bound: nothing had to be cut off.
  expect(took).toBeLessThan(SHUTDOWN_MS);
  const ended = await within(watcher.ended, 2_000, 'the subscription did not end');
  expect(ended.completed).toBe(false);
  expect(ended.closeCode).toBe(1001);
  expect(first.logs.some((line) => line.msg === 'stopping' && line.signal === 'SIGTERM')).toBe(true);
  expect(first.stderr()).toBe('');

  // The caller of the waiting mutation is told to come back, not cut off.
  const answer = await within(waiting, 1_000, 'the waiting mutation got no answer');
  expect(answer.error).toBeUndefined();
  expect(answer.value?.data?.createImage.__typename).toBe('UpstreamError');
  expect(answer.value?.data?.createImage.message).toMatch(/restarting/);

  // Stopping is not failing: both tasks wait in the file, as they were, for the next start.
  const left = await storedTasks(data.dir);
  expect(left.map((t) => [t.kind, t.status, t.error, t.completedAt]).sort()).toEqual([
    ['IMAGE', 'PROCESSING', null, null],
    ['VIDEO', 'PROCESSING', null, null],
  ]);
  expect(left.map((t) => t.bingRequestId).sort()).toEqual([...sim.jobs.keys()].sort());

  const second = await spawnServer(env);
  for (const task of left) {
    await until(
      async () => ((await readTask(second.url, task.id)).status === 'COMPLETED' ? true : undefined),
      10_000,
      `the resumed ${task.kind}`,
    );
  }
  expect(sim.submits()).toHaveLength(2);
});

it('exits 0 within SHUTDOWN_TIMEOUT when a WebSocket peer never answers and an SSE stream stays open', async () => {
  sim = await startSimulator({ timeScale: 0.01 });
  data = tempDir('durable-stop-');
  const shutdownMs = 1_500;
  const server = await spawnServer(serverEnv(sim.url, data.dir, { SHUTDOWN_TIMEOUT: `${shutdownMs}ms` }));
  const peer = await deafPeer(server.url);
  const peerClosed = new Promise<void>((resolve) => peer.once('close', () => resolve()));
  const id = await createVideo(server.url, 'an endless road [sim:never]');
  const stream = await sseSubscribe(server.url, id);

  const stopping = Date.now();
  const exit = await server.kill('SIGTERM', shutdownMs + 4_000);
  const took = Date.now() - stopping;
  expect(exit).toEqual({ code: 0, signal: null });
  expect(took).toBeLessThan(shutdownMs + 1_000);
  await within(peerClosed, 1_000, 'the deaf peer was never disconnected');
  // The stream was cut, not completed: its client knows to come back rather than think the task finished.
  const sse = await within(stream.ended, 1_000, 'the SSE stream did not end');
  expect(sse.text).toContain('"status":"PROCESSING"');
  expect(sse.text).not.toContain('event: complete');
  expect(await storedTasks(data.dir)).toMatchObject([{ id, status: 'PROCESSING' }]);
});

/** A subscription over SSE: resolves with everything it received once the stream ends, however it ends. */
async function sseSubscribe(url: string, id: string): Promise<{ ended: Promise<{ text: string; error?: unknown }> }> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query: 'subscription ($id: ID!) { taskUpdated(id: $id) { status } }', variables: { id } }),
    signal: AbortSignal.timeout(15_000),
  });
  expect(response.status).toBe(200);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  const ended = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return { text };
        text += value;
      }
    } catch (error) {
      return { text, error };
    }
  })();
  return { ended };
}

/** A promise that never rejects, so a failed test leaves no unhandled rejection behind. */
function settle<T>(work: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  return work.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}
