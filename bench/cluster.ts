/**
 * Benchmark: cluster mode, two instances beside one. Subscription fan-out (tasks created on the first
 * instance, subscribers split over both, so half of them hear of each change through Redis), and held
 * generations (createImage requests split over both instances, every one run as a BullMQ job by whichever
 * worker takes it). The same settings run on one instance without Redis, one instance with Redis, and two.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { startRedis, type RedisServer } from '../test/cluster/redis-server.js';
import {
  measure,
  type BenchOptions,
  type Benchmark,
  type Goal,
  type Measurement,
  type RunResult,
} from './benchmark.js';
import type { Delivery } from './fanout-clients.js';
import { createVideo, next } from './fanout-control.js';
import { spawnNode } from './processes.js';
import { LIMITS_OFF, startServer, type ServerProcess } from './server.js';
import { startSimulatorProcess, type SimulatorProcess } from './simulator.js';
import { percentile } from './stats.js';

const FANOUT = 'Cluster fan-out';
const HELD = 'Cluster held generations';

type Layout = 'one instance, no Redis' | 'one instance on Redis' | 'two instances on Redis';
const LAYOUTS: Layout[] = ['one instance, no Redis', 'one instance on Redis', 'two instances on Redis'];

function settings(options: BenchOptions) {
  return options.quick
    ? { clients: 200, tasks: 10, completesAfterMs: 5_000, staggerMs: 100, requests: 100, simMs: 1_000, timeScale: 0.2 }
    : {
        clients: 2_000,
        tasks: 20,
        completesAfterMs: 20_000,
        staggerMs: 200,
        requests: 600,
        simMs: 5_000,
        timeScale: 1,
      };
}

async function instances(
  layout: Layout,
  sim: SimulatorProcess,
  redis: RedisServer,
  prefix: string,
  timeScale: number,
): Promise<ServerProcess[]> {
  const env = { ...LIMITS_OFF, TIME_SCALE: String(timeScale), BING_CONNECTIONS: '16' };
  if (layout === 'one instance, no Redis') return [await startServer({ simUrl: sim.url, env })];
  const cluster = { ...env, REDIS_URL: redis.url, REDIS_PREFIX: prefix };
  const count = layout === 'two instances on Redis' ? 2 : 1;
  const started: ServerProcess[] = [];
  try {
    for (let i = 0; i < count; i++) started.push(await startServer({ simUrl: sim.url, env: cluster }));
  } catch (error) {
    await Promise.all(started.map((s) => s.stop()));
    throw error;
  }
  return started;
}

async function fanout(servers: ServerProcess[], options: BenchOptions, row: string, run: number): Promise<RunResult> {
  const { clients, tasks, completesAfterMs, staggerMs } = settings(options);
  const problems: string[] = [];
  const ids: string[] = [];
  for (let i = 0; i < tasks; i++)
    ids.push(
      await createVideo(servers[0]!, `bench cluster fan-out ${run} ${i} [sim:ms=${completesAfterMs + i * staggerMs}]`),
    );
  const deadlineMs = completesAfterMs + tasks * staggerMs + 30_000;
  // One clients process per instance, each with its share of the subscribers.
  const procs = servers.map((server) =>
    spawnNode('bench/fanout-clients.ts', {
      ipc: true,
      env: {
        WS_URL: `${server.url.replace('http', 'ws')}/graphql`,
        TASK_IDS: ids.join(','),
        CLIENTS: String(Math.round(clients / servers.length)),
        DEADLINE_MS: String(deadlineMs),
      },
    }),
  );
  try {
    const subscribed = await Promise.all(procs.map((proc) => next(proc, 'subscribed', deadlineMs + 10_000)));
    for (const s of subscribed) problems.push(...s.failures);
    const done = await Promise.all(procs.map((proc) => next(proc, 'done', deadlineMs + 10_000)));
    const deliveries: Delivery[] = [];
    const remote: number[] = [];
    done.forEach((d, index) => {
      problems.push(...d.failures);
      if (d.late) problems.push(`${d.late} clients subscribed after their task completed`);
      if (d.missing) problems.push(`${d.missing} clients never saw their task COMPLETED`);
      deliveries.push(...d.deliveries);
      if (index > 0) remote.push(...d.deliveries.map((x) => x.receivedAt - Date.parse(x.updatedAt)));
    });
    const latencies = deliveries.map((d) => d.receivedAt - Date.parse(d.updatedAt));
    if (latencies.some((ms) => ms < 0)) problems.push('updates arrived before they were published');
    return {
      problems,
      measurements: [
        ...measure(FANOUT, row, {
          'p50 (ms)': percentile(latencies, 0.5),
          'p99 (ms)': percentile(latencies, 0.99),
          'max (ms)': Math.max(...latencies),
        }),
        ...(remote.length ? measure(FANOUT, row, { 'p99 on the other instance (ms)': percentile(remote, 0.99) }) : []),
      ],
    };
  } finally {
    for (const proc of procs) proc.child.send({ type: 'close' }, () => undefined);
    await Promise.all(procs.map((proc) => proc.stop(5_000)));
  }
}

const CREATE_IMAGE =
  'mutation ($q: String!) { createImage(input: { query: $q }) { __typename ... on ImageGeneration { images { url } } ... on Error { code message } } }';

async function held(
  servers: ServerProcess[],
  sim: SimulatorProcess,
  options: BenchOptions,
  row: string,
  run: number,
): Promise<RunResult> {
  const { requests, simMs } = settings(options);
  const agent = new Agent({ connections: requests, headersTimeout: 120_000, bodyTimeout: 120_000 });
  const problems: string[] = [];
  await sim.reset();
  try {
    const started = performance.now();
    const answered: number[] = [];
    const outcomes = await Promise.all(
      Array.from({ length: requests }, async (_, i) => {
        const server = servers[i % servers.length]!;
        const response = await request(`${server.url}/graphql`, {
          dispatcher: agent,
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
          body: JSON.stringify({
            query: CREATE_IMAGE,
            variables: { q: `bench cluster held ${run} ${i} [sim:ms=${simMs}]` },
          }),
        });
        const text = await response.body.text();
        answered.push((performance.now() - started) / 1000);
        const ok =
          response.statusCode === 200 &&
          (JSON.parse(text) as { data?: { createImage?: { __typename?: string } } }).data?.createImage?.__typename ===
            'ImageGeneration';
        return ok ? null : `${response.statusCode}: ${text.slice(0, 200)}`;
      }).map((p) => p.catch((error: unknown) => `request failed: ${(error as Error).message}`)),
    );
    const wall = (performance.now() - started) / 1000;
    const failures = outcomes.filter((o): o is string => o !== null);
    if (failures.length) problems.push(`${failures.length} of ${requests} generations failed, e.g. ${failures[0]}`);
    const submits = (await sim.jobs()).length;
    if (submits !== requests) problems.push(`${submits} submits for ${requests} generations`);
    return {
      problems,
      measurements: [
        ...measure(HELD, row, { succeeded: requests - failures.length, 'Bing submits': submits }, 0),
        ...measure(
          HELD,
          row,
          {
            'median answer (s)': percentile(answered, 0.5),
            'all answered (s)': wall,
            'peak RSS per instance (MB)': Math.max(...servers.map((s) => s.peakRssKb())) / 1024,
          },
          2,
        ),
      ],
    };
  } finally {
    await agent.close();
  }
}

async function run(options: BenchOptions, index: number): Promise<RunResult> {
  const { requests, tasks, clients, timeScale } = settings(options);
  const measurements: Measurement[] = [];
  const problems: string[] = [];
  const redis = await startRedis();
  const sim = await startSimulatorProcess(1);
  try {
    for (const layout of LAYOUTS) {
      // Fan-out polls the long videos every 100 ms (TIME_SCALE 0.01); held uses the schedule's own timing.
      for (const [kind, scale] of [
        ['fanout', 0.01],
        ['held', timeScale],
      ] as const) {
        const servers = await instances(layout, sim, redis, `bench${index}${kind}${LAYOUTS.indexOf(layout)}`, scale);
        try {
          await sleep(1_000);
          const result =
            kind === 'fanout'
              ? await fanout(servers, options, `${layout}: ${clients} subscribers, ${tasks} tasks`, index)
              : await held(servers, sim, options, `${layout}: ${requests} at once`, index);
          measurements.push(...result.measurements);
          problems.push(...result.problems.map((p) => `${layout}, ${kind}: ${p}`));
        } finally {
          await Promise.all(servers.map((s) => s.stop()));
        }
      }
    }
  } finally {
    await sim.stop();
    await redis.close();
  }
  return { measurements, problems };
}

export const clusterBenchmark: Benchmark = {
  id: 'cluster',
  title: '7. Cluster mode: two instances beside one',
  describe(options) {
    const { clients, tasks, completesAfterMs, requests, simMs, timeScale } = settings(options);
    return [
      `Three layouts on the same simulator: one instance without Redis (the default), one instance with \`REDIS_URL\` (Redis store, Redis events, BullMQ jobs), and two instances on the same Redis. Redis is a local redis-server 7 started by the benchmark with appendonly yes and appendfsync always.`,
      `Fan-out: ${tasks} videos created on the first instance (completing ${completesAfterMs / 1000} s later, staggered), then ${clients} graphql-ws subscribers split evenly over the instances (one clients process per instance). Latency = arrival of COMPLETED − its updatedAt. In cluster mode every update goes through Redis pub/sub, even to the instance that published it; with two instances, "on the other instance" is the half of the subscribers connected to the instance that did not create the tasks.`,
      `Held: ${requests} \`createImage\` requests at once, alternating between the instances, each \`[sim:ms=${simMs}]\` (TIME_SCALE=${timeScale}); every one must answer with images, and the simulator must see exactly one submit per request. In cluster mode each request waits on its task's events while a worker, on either instance, runs the job. Limits raised out of the way (${Object.entries(
        LIMITS_OFF,
      )
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}).`,
      "What it varies is the layout; the simulator's timing and the requests are the same for all three. No goal: the figures show what Redis and a second instance cost or buy on this 2-core machine, where both instances, Redis, the simulator and the clients share the same cores.",
    ];
  },
  run,
  goals(): Goal[] {
    return [];
  },
};
