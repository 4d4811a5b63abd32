/**
 * The subscribers of the fan-out benchmark, in their own process: CLIENTS raw `ws` sockets speaking
 * graphql-transport-ws, each subscribed to `videoTaskUpdated` of one of TASK_IDS (round robin). Reports
 * over IPC when all are subscribed, then when every one has seen its task COMPLETED (or the deadline
 * passed), with the time each update arrived. Closes everything on { type: 'close' }.
 */
import { WebSocket } from 'ws';

export interface Delivery {
  taskId: string;
  /** Date.now() when the COMPLETED update arrived. */
  receivedAt: number;
  /** The task's updatedAt in that update (ISO). */
  updatedAt: string;
}

export type ClientsMessage =
  | { type: 'subscribed'; subscribed: number; failures: string[]; ms: number }
  | { type: 'done'; deliveries: Delivery[]; late: number; missing: number; failures: string[] };

const url = process.env.WS_URL ?? '';
const taskIds = (process.env.TASK_IDS ?? '').split(',').filter(Boolean);
const total = Number(process.env.CLIENTS ?? 0);
const deadlineMs = Number(process.env.DEADLINE_MS ?? 60_000);
const OPENING_AT_ONCE = 200;

const SUBSCRIPTION = 'subscription ($id: ID!) { videoTaskUpdated(id: $id) { status updatedAt } }';

const sockets: WebSocket[] = [];
const deliveries: Delivery[] = [];
const failures: string[] = [];
let subscribed = 0;
let finished = 0;
/** Clients whose first update was already COMPLETED: they subscribed too late to measure anything. */
let late = 0;
const started = Date.now();

function send(message: ClientsMessage): void {
  process.send?.(message);
}

let reportedSubscribed = false;
function maybeReportSubscribed(): void {
  if (reportedSubscribed || subscribed + failures.length < total) return;
  reportedSubscribed = true;
  send({ type: 'subscribed', subscribed, failures: failures.slice(0, 10), ms: Date.now() - started });
}

let reportedDone = false;
function reportDone(): void {
  if (reportedDone) return;
  reportedDone = true;
  send({ type: 'done', deliveries, late, missing: total - deliveries.length, failures: failures.slice(0, 10) });
}

function maybeReportDone(): void {
  if (finished + failures.length >= total) reportDone();
}

/** Opens one client; resolves once it is subscribed (or failed), so that only so many open at once. */
function open(index: number): Promise<void> {
  const taskId = taskIds[index % taskIds.length]!;
  return new Promise((resolve) => {
    const ws = new WebSocket(url, 'graphql-transport-ws', { perMessageDeflate: false });
    sockets.push(ws);
    let first = true;
    let settled = false;
    const fail = (reason: string) => {
      if (!settled) {
        settled = true;
        failures.push(`client ${index}: ${reason}`);
        maybeReportSubscribed();
        maybeReportDone();
        resolve();
      }
    };
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init' })));
    ws.on('message', (data) => {
      const at = Date.now();
      const message = JSON.parse(String(data)) as {
        type: string;
        payload?: { data?: { videoTaskUpdated?: { status: string; updatedAt: string } } };
      };
      if (message.type === 'connection_ack') {
        ws.send(
          JSON.stringify({ id: '1', type: 'subscribe', payload: { query: SUBSCRIPTION, variables: { id: taskId } } }),
        );
      } else if (message.type === 'ping') {
        ws.send(JSON.stringify({ type: 'pong' }));
      } else if (message.type === 'next') {
        const task = message.payload?.data?.videoTaskUpdated;
        if (!task) return fail(`an update without data: ${String(data).slice(0, 200)}`);
        if (first) {
          first = false;
          if (task.status === 'COMPLETED') late += 1;
          subscribed += 1;
          settled = true;
          maybeReportSubscribed();
          resolve();
        }
        if (task.status === 'COMPLETED') deliveries.push({ taskId, receivedAt: at, updatedAt: task.updatedAt });
      } else if (message.type === 'complete') {
        finished += 1;
        maybeReportDone();
      } else if (message.type === 'error') {
        fail(`subscription error: ${String(data).slice(0, 200)}`);
      }
    });
    ws.on('error', (error) => fail(error.message));
    ws.on('close', (code) => {
      if (!reportedDone) fail(`closed with ${code}`);
    });
  });
}

async function openAll(): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < total) await open(next++);
  };
  await Promise.all(Array.from({ length: Math.min(OPENING_AT_ONCE, total) }, worker));
}

process.on('message', (message: { type?: string }) => {
  if (message.type !== 'close') return;
  reportedDone = true;
  for (const ws of sockets) ws.terminate();
  process.exit(0);
});

setTimeout(() => {
  failures.push(
    `deadline of ${deadlineMs} ms passed with ${subscribed} subscribed and ${deliveries.length} updates received`,
  );
  maybeReportSubscribed();
  if (!reportedSubscribed)
    send({ type: 'subscribed', subscribed, failures: failures.slice(0, 10), ms: Date.now() - started });
  reportDone();
}, deadlineMs).unref();

void openAll();
