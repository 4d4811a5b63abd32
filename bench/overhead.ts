/**
 * Benchmark 2: what one request costs. autocannon (10 connections) against the REST /health, a GraphQL
 * query over POST and over GET, and a bare node:http handler answering the same JSON as /health, each
 * server in its own process. Then a CPU profile of the GraphQL POST case, to see where the time goes.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon, { type Result } from 'autocannon';
import { measure, type BenchOptions, type Benchmark, type Measurement, type RunResult } from './benchmark.js';
import { topFunctions, topPackages, type CpuProfile } from './cpu-profile.js';
import { freePort, spawnNode } from './processes.js';
import { serverProcess, startServer, type ServerProcess } from './server.js';
import { startSimulatorProcess } from './simulator.js';

const TABLE = 'Requests per second and p99 latency, 10 connections';
const CONNECTIONS = 10;
const OPTIONS_QUERY =
  '{ options { models { id value description } aspects { id value ratio } videoAspects { id value } } }';

interface Target {
  name: string;
  path: string;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** The answer a correct server gives: checked once before the load. */
  expect: (body: string) => boolean;
}

const BARE = 'bare node:http (same JSON as /health)';

const TARGETS: Target[] = [
  { name: BARE, path: '/health', method: 'GET', expect: (body) => body.includes('"status": "ok"') },
  { name: 'REST GET /health', path: '/health', method: 'GET', expect: (body) => body.includes('"status": "ok"') },
  {
    name: 'GraphQL POST { health { status } }',
    path: '/graphql',
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query: '{ health { status } }' }),
    expect: (body) => body.includes('"status":"ok"'),
  },
  {
    name: 'GraphQL GET options',
    path: `/graphql?query=${encodeURIComponent(OPTIONS_QUERY)}`,
    method: 'GET',
    headers: { accept: 'application/graphql-response+json' },
    expect: (body) => body.includes('"models"') && !body.includes('"errors"'),
  },
];

function durations(options: BenchOptions): { warmup: number; seconds: number } {
  return options.quick ? { warmup: 1, seconds: 2 } : { warmup: 1, seconds: 5 };
}

async function startBare(): Promise<ServerProcess> {
  const port = await freePort();
  const proc = spawnNode('bench/bare-server.ts', { env: { PORT: String(port) } });
  return serverProcess(proc, `http://127.0.0.1:${port}`);
}

async function firstAnswer(url: string, target: Target): Promise<string> {
  const response = await fetch(url + target.path, {
    method: target.method,
    headers: target.headers ?? {},
    ...(target.body === undefined ? {} : { body: target.body }),
  });
  const body = await response.text();
  if (response.status !== 200 || !target.expect(body)) {
    throw new Error(`${target.name} answered ${response.status}: ${body.slice(0, 300)}`);
  }
  return body;
}

async function load(url: string, target: Target, seconds: number): Promise<Result> {
  return autocannon({
    url: url + target.path,
    connections: CONNECTIONS,
    duration: seconds,
    method: target.method,
    ...(target.headers ? { headers: target.headers } : {}),
    ...(target.body === undefined ? {} : { body: target.body }),
  });
}

async function measureTarget(simUrl: string, target: Target, options: BenchOptions, problems: string[]) {
  const server = target.name === BARE ? await startBare() : await startServer({ simUrl });
  try {
    await firstAnswer(server.url, target);
    const { warmup, seconds } = durations(options);
    await load(server.url, target, warmup);
    const result = await load(server.url, target, seconds);
    if (result.errors || result.non2xx || result.timeouts) {
      problems.push(
        `${target.name}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx answers`,
      );
    }
    if (result['2xx'] === 0) problems.push(`${target.name}: no successful request`);
    return { rps: result['2xx'] / result.duration, p99: result.latency.p99 };
  } finally {
    await server.stop();
  }
}

async function run(options: BenchOptions): Promise<RunResult> {
  const sim = await startSimulatorProcess(1);
  const problems: string[] = [];
  const measurements: Measurement[] = [];
  try {
    const figures = new Map<string, { rps: number; p99: number }>();
    for (const target of TARGETS) figures.set(target.name, await measureTarget(sim.url, target, options, problems));
    const bare = figures.get(BARE)!;
    for (const [name, { rps, p99 }] of figures) {
      measurements.push(...measure(TABLE, name, { 'req/s': rps }, 0));
      measurements.push(...measure(TABLE, name, { 'p99 (ms)': p99 }, 0));
      // autocannon's latencies are whole milliseconds: a p99 of 0 counts as 1 ms in the ratio.
      measurements.push(
        ...measure(
          TABLE,
          name,
          { 'req/s ÷ bare': rps / bare.rps, 'p99 ÷ bare': Math.max(1, p99) / Math.max(1, bare.p99) },
          2,
        ),
      );
    }
  } finally {
    await sim.stop();
  }
  return { measurements, problems };
}

/** The GraphQL POST case again, under --cpu-prof; the profile is written when the server exits. */
async function profile(options: BenchOptions): Promise<RunResult & { lines: string[] }> {
  const target = TARGETS[2]!;
  const dir = mkdtempSync(join(tmpdir(), 'bench-cpu-'));
  const sim = await startSimulatorProcess(1);
  try {
    const spawnedAt = Date.now();
    const server = await startServer({ simUrl: sim.url, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
    // The profile covers the whole process; only what comes after the warm-up is counted.
    let measuredFromMs = 0;
    try {
      await firstAnswer(server.url, target);
      const { warmup, seconds } = durations(options);
      await load(server.url, target, warmup);
      measuredFromMs = Date.now() - spawnedAt;
      await load(server.url, target, seconds);
    } finally {
      await server.stop();
    }
    const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
    if (!file) return { measurements: [], problems: ['the CPU profile was not written'], lines: [] };
    const cpu = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const functions = topFunctions(cpu, 10, measuredFromMs);
    const packages = topPackages(cpu, 8, measuredFromMs);
    const pct = (share: number) => `${(share * 100).toFixed(1)}%`;
    return {
      measurements: [],
      problems: [],
      lines: [
        `**CPU profile of the GraphQL POST case** (\`node --cpu-prof\`, the ${durations(options).seconds} s after the warm-up; self time, idle excluded). Top 10 functions:`,
        '',
        '| Function | Where | Self | Share |',
        '|---|---|---:|---:|',
        ...functions.map(
          (f) =>
            `| \`${f.name}\` | ${f.location ? `\`${f.location}\`` : 'V8'} | ${f.ms.toFixed(0)} ms | ${pct(f.share)} |`,
        ),
        '',
        'Self time by package:',
        '',
        '| Package | Self | Share |',
        '|---|---:|---:|',
        ...packages.map((p) => `| ${p.name} | ${p.ms.toFixed(0)} ms | ${pct(p.share)} |`),
      ],
    };
  } finally {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const overheadBenchmark: Benchmark = {
  id: 'overhead',
  title: '2. Per-request overhead',
  describe(options) {
    const { warmup, seconds } = durations(options);
    return [
      `autocannon, ${CONNECTIONS} connections, ${warmup} s of warm-up then ${seconds} s measured, against each server in its own process (\`node --import tsx src/main.ts\`, memory store, LOG_LEVEL=warn); the bare handler is bench/bare-server.ts. Requests/s count 2xx answers only; any error or non-2xx answer makes the run fail.`,
      `GraphQL GET asks for \`${OPTIONS_QUERY}\`. Ratios are to the bare handler in the same run; autocannon measures latency in whole milliseconds, so in the ratio a p99 of 0 counts as 1 ms.`,
    ];
  },
  run: (options) => run(options),
  finish: (options) => profile(options),
};
