/**
 * Benchmark 3: subscription fan-out. Thousands of graphql-ws subscribers (their own process) follow a
 * few video tasks that complete only after all of them subscribed. Measures how long after the service
 * published COMPLETED (the task's updatedAt) each subscriber had it, and the server's memory per
 * open subscription (its RSS before and after the subscribers, from /proc).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  measure,
  type BenchOptions,
  type Benchmark,
  type Goal,
  type Measurement,
  type RunResult,
} from './benchmark.js';
import { createVideo, next } from './fanout-control.js';
import { spawnNode, type NodeProcess } from './processes.js';
import { LIMITS_OFF, startServer } from './server.js';
import { startSimulatorProcess } from './simulator.js';
import { percentile } from './stats.js';

const TABLE = 'Subscription fan-out';
const SETTLE_MS = 2_000;

function rowOf({ clients, tasks }: { clients: number; tasks: number }): string {
  return `${clients} subscribers, ${tasks} tasks`;
}

function settings(options: BenchOptions) {
  return options.quick
    ? { clients: 200, tasks: 10, firstCompletesAfterMs: 5_000, staggerMs: 100 }
    : { clients: 2_000, tasks: 20, firstCompletesAfterMs: 20_000, staggerMs: 200 };
}

async function run(options: BenchOptions): Promise<RunResult> {
  const { clients, tasks, firstCompletesAfterMs, staggerMs } = settings(options);
  const problems: string[] = [];
  const measurements: Measurement[] = [];
  const sim = await startSimulatorProcess(1);
  // A small time scale keeps the server polling the (deliberately long) videos every 100 ms.
  const server = await startServer({ simUrl: sim.url, env: { ...LIMITS_OFF, TIME_SCALE: '0.01' } }).catch(
    async (error: unknown) => {
      await sim.stop();
      throw error;
    },
  );
  let clientsProc: NodeProcess | undefined;
  try {
    const ids: string[] = [];
    for (let i = 0; i < tasks; i += 1)
      ids.push(await createVideo(server, `bench fan-out ${i} [sim:ms=${firstCompletesAfterMs + i * staggerMs}]`));
    await sleep(SETTLE_MS);
    const before = server.rssKb();

    const deadlineMs = firstCompletesAfterMs + tasks * staggerMs + 30_000;
    clientsProc = spawnNode('bench/fanout-clients.ts', {
      ipc: true,
      env: {
        WS_URL: `${server.url.replace('http', 'ws')}/graphql`,
        TASK_IDS: ids.join(','),
        CLIENTS: String(clients),
        DEADLINE_MS: String(deadlineMs),
      },
    });
    const subscribed = await next(clientsProc, 'subscribed', deadlineMs + 10_000);
    problems.push(...subscribed.failures);
    if (subscribed.subscribed !== clients) problems.push(`${subscribed.subscribed} of ${clients} clients subscribed`);
    await sleep(SETTLE_MS);
    const after = server.rssKb();

    const done = await next(clientsProc, 'done', deadlineMs + 10_000);
    problems.push(...done.failures);
    if (done.late)
      problems.push(`${done.late} clients subscribed after their task completed: raise firstCompletesAfterMs`);
    if (done.missing) problems.push(`${done.missing} of ${clients} clients never saw their task COMPLETED`);
    const latencies = done.deliveries.map((d) => d.receivedAt - Date.parse(d.updatedAt));
    const negative = latencies.filter((ms) => ms < 0).length;
    if (negative) problems.push(`${negative} updates arrived before they were published`);

    const row = rowOf({ clients, tasks });
    measurements.push(
      ...measure(TABLE, row, {
        'p50 (ms)': percentile(latencies, 0.5),
        'p99 (ms)': percentile(latencies, 0.99),
        'max (ms)': Math.max(...latencies),
      }),
      ...measure(TABLE, row, { 'KB / subscription': (after - before) / subscribed.subscribed }),
      ...measure(TABLE, row, { 'all subscribed in (s)': subscribed.ms / 1000 }, 2),
    );
  } finally {
    if (clientsProc) {
      clientsProc.child.send({ type: 'close' }, () => undefined);
      await clientsProc.stop(5_000);
    }
    await server.stop();
    await sim.stop();
  }
  return { measurements, problems };
}

export const fanoutBenchmark: Benchmark = {
  id: 'fanout',
  title: '3. Subscription fan-out',
  describe(options) {
    const { clients, tasks, firstCompletesAfterMs, staggerMs } = settings(options);
    return [
      `${tasks} video tasks are created with \`createVideo\` (the simulator completes them ${firstCompletesAfterMs / 1000} s later, ${staggerMs} ms apart), then ${clients} raw \`ws\` clients in a separate process (graphql-transport-ws: \`connection_init\`, then \`subscribe\` to \`videoTaskUpdated(id)\`, spread round robin over the tasks) subscribe. Every client must see the task first as not yet completed, then COMPLETED.`,
      "Latency = the time the client received the COMPLETED update − that update's `updatedAt` (set just before the service publishes it; same machine clock). Memory = (server VmRSS after all subscribed − VmRSS before) ÷ subscriptions, each read after a 2 s settle.",
      `Server limits per caller and per account are raised out of the way (${Object.entries(LIMITS_OFF)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}).`,
      'Goals: p99 under 100 ms; under 30 KB per subscription.',
    ];
  },
  run: (options) => run(options),
  goals(median, options): Goal[] {
    const row = rowOf(settings(options));
    const pick = (column: string) => median(TABLE, row, column);
    const p99 = pick('p99 (ms)');
    const kb = pick('KB / subscription');
    return [
      { name: 'Fan-out: p99 publish → client', target: '< 100 ms', measured: `${p99.toFixed(1)} ms`, met: p99 < 100 },
      { name: 'Fan-out: memory per subscription', target: '< 30 KB', measured: `${kb.toFixed(1)} KB`, met: kb < 30 },
    ];
  },
};
