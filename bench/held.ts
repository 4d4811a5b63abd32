/**
 * Benchmark 4: many generations held open at once. Half REST POST /create/image, half GraphQL
 * createImage, all sent together and held while the simulator takes its time; all must succeed.
 * The server runs as bench/server-probe.ts, which reports its event-loop delay and Bing connections.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import {
  measure,
  type BenchOptions,
  type Benchmark,
  type Goal,
  type Measurement,
  type RunResult,
} from './benchmark.js';
import type { NodeProcess } from './processes.js';
import type { ProbeStats } from './server-probe.js';
import { LIMITS_OFF, startServer, type ServerProcess } from './server.js';
import { startSimulatorProcess } from './simulator.js';
import { percentile } from './stats.js';

const TABLE = 'Held generations';
const BING_CONNECTIONS = 16;

function settings(options: BenchOptions) {
  // The server's schedule first polls a DALL-E generation at 6 s (scaled by TIME_SCALE): just after it is ready.
  return options.quick
    ? { requests: 200, simMs: 1_000, timeScale: 0.2 }
    : { requests: 1_000, simMs: 5_000, timeScale: 1 };
}

function rowOf(requests: number): string {
  return `${requests} at once (½ REST, ½ GraphQL)`;
}

function ask<T>(proc: NodeProcess, type: string, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the probe did not answer "${type}"`)), timeoutMs);
    const listener = (message: { type?: string }) => {
      if (message.type !== type) return;
      clearTimeout(timer);
      proc.child.off('message', listener);
      resolve(message as T);
    };
    proc.child.on('message', listener);
    proc.child.send({ type });
  });
}

const CREATE_IMAGE =
  'mutation ($q: String!) { createImage(input: { query: $q }) { __typename ... on ImageGeneration { images { url } } ... on Error { code message } } }';

/** One generation; resolves with null on success, else what went wrong. */
async function generate(server: ServerProcess, agent: Agent, index: number, simMs: number): Promise<string | null> {
  const prompt = `bench held ${index} [sim:ms=${simMs}]`;
  const rest = index % 2 === 0;
  const response = await request(rest ? `${server.url}/create/image` : `${server.url}/graphql`, {
    dispatcher: agent,
    method: 'POST',
    headers: rest
      ? { 'content-type': 'application/json' }
      : { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify(
      rest ? { query: prompt, model: 'DALLE', aspect: 'SQUARE' } : { query: CREATE_IMAGE, variables: { q: prompt } },
    ),
  });
  const text = await response.body.text();
  if (response.statusCode !== 200) return `${rest ? 'REST' : 'GraphQL'} ${response.statusCode}: ${text.slice(0, 200)}`;
  const body = JSON.parse(text) as {
    success?: boolean;
    data?: { images?: unknown[]; createImage?: { __typename?: string; images?: unknown[] } };
  };
  const images = rest ? body.data?.images : body.data?.createImage?.images;
  if (!Array.isArray(images) || images.length === 0)
    return `${rest ? 'REST' : 'GraphQL'} without images: ${text.slice(0, 200)}`;
  return null;
}

async function run(options: BenchOptions): Promise<RunResult> {
  const { requests, simMs, timeScale } = settings(options);
  const problems: string[] = [];
  const measurements: Measurement[] = [];
  const sim = await startSimulatorProcess(1);
  const agent = new Agent({ connections: requests, headersTimeout: 120_000, bodyTimeout: 120_000 });
  let server: ServerProcess | undefined;
  try {
    server = await startServer({
      simUrl: sim.url,
      entry: 'bench/server-probe.ts',
      ipc: true,
      env: { ...LIMITS_OFF, TIME_SCALE: String(timeScale), BING_CONNECTIONS: String(BING_CONNECTIONS) },
    });
    await sleep(1_000);
    await ask(server.proc, 'reset');
    const started = performance.now();
    const latencies: number[] = [];
    const outcomes = await Promise.all(
      Array.from({ length: requests }, (_, i) =>
        generate(server!, agent, i, simMs)
          .catch((error: unknown) => `request failed: ${(error as Error).message}`)
          .finally(() => latencies.push((performance.now() - started) / 1000)),
      ),
    );
    const wall = (performance.now() - started) / 1000;
    const stats = await ask<ProbeStats>(server.proc, 'stats');
    const failures = outcomes.filter((o): o is string => o !== null);
    if (failures.length) problems.push(`${failures.length} of ${requests} generations failed, e.g. ${failures[0]}`);
    const { peak, limit } = stats.connections;
    if (peak > limit) problems.push(`the server opened ${peak} connections to Bing, over its pool of ${limit}`);

    const row = rowOf(requests);
    measurements.push(
      ...measure(TABLE, row, { succeeded: requests - failures.length }, 0),
      ...measure(
        TABLE,
        row,
        { 'event loop p99 (ms)': stats.eventLoop.p99, 'event loop max (ms)': stats.eventLoop.max },
        1,
      ),
      ...measure(TABLE, row, { 'Bing connections peak': peak, [`pool (BING_CONNECTIONS)`]: limit }, 0),
      ...measure(TABLE, row, { 'peak RSS (MB)': server.peakRssKb() / 1024 }, 0),
      ...measure(TABLE, row, { 'median answer (s)': percentile(latencies, 0.5), 'all answered (s)': wall }, 2),
    );
  } finally {
    await server?.stop();
    await agent.close();
    await sim.stop();
  }
  return { measurements, problems };
}

export const heldBenchmark: Benchmark = {
  id: 'held',
  title: '4. Held generations',
  describe(options) {
    const { requests, simMs, timeScale } = settings(options);
    return [
      `${requests} \`createImage\` requests sent at once over ${requests} connections (undici Agent), alternately REST \`POST /create/image\` and GraphQL \`createImage\`, each prompt \`[sim:ms=${simMs}]\` so the simulator takes ${simMs / 1000} s; the server's schedule (TIME_SCALE=${timeScale}) first polls at ${(6 * timeScale).toFixed(1)} s. Every one must answer 200 with images.`,
      `The server is bench/server-probe.ts (createApp as src/main.ts does, plus \`monitorEventLoopDelay\` reset just before the requests and read after the last answer, and \`client.stats().connections\`), BING_CONNECTIONS=${BING_CONNECTIONS}, limits per caller and per account raised (${Object.entries(
        LIMITS_OFF,
      )
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}). Peak RSS is the server's VmHWM.`,
      'Goals: event-loop p99 under 20 ms; Bing connections within the configured pool.',
    ];
  },
  run: (options) => run(options),
  goals(median, options): Goal[] {
    const row = rowOf(settings(options).requests);
    const p99 = median(TABLE, row, 'event loop p99 (ms)');
    const peak = median(TABLE, row, 'Bing connections peak');
    return [
      { name: 'Held: event-loop p99', target: '< 20 ms', measured: `${p99.toFixed(1)} ms`, met: p99 < 20 },
      {
        name: 'Held: Bing connections within the pool',
        target: `≤ ${BING_CONNECTIONS}`,
        measured: `${peak}`,
        met: peak <= BING_CONNECTIONS,
      },
    ];
  },
};
