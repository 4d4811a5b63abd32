/**
 * Benchmark 2: what one request costs. The server runs as `npm start` runs it (the compiled dist/main.js,
 * SQLite store, NODE_ENV=production), beside a bare node:http handler, each in its own process, and the
 * load comes from a third process (autocannon, 32 connections). The targets alternate in short slices,
 * round after round, so that whatever else loads the machine weighs on all of them alike; each ratio is
 * to the bare handler's slices of the same rounds. Then a CPU profile of each case, one server process
 * under --cpu-prof with the cases one after another, to see where the time goes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  measure,
  type BenchOptions,
  type Benchmark,
  type Goal,
  type Measurement,
  type MedianOf,
  type RunResult,
} from './benchmark.js';
import { topFunctions, topPackages, type CpuProfile } from './cpu-profile.js';
import type { LoadOrder, LoadResult } from './load-generator.js';
import { freePort, ROOT, spawnNode, type NodeProcess } from './processes.js';
import { BENCH_COOKIE, serverProcess, type ServerProcess } from './server.js';
import { startSimulatorProcess } from './simulator.js';
import { spread } from './stats.js';

const TABLE = 'Requests per second and p99 latency, 32 connections';
const CONNECTIONS = 32;
const OPTIONS_QUERY =
  '{ options { models { id value description } aspects { id value ratio } videoAspects { id value } } }';
const TASK_QUERY = 'query Task($id: ID!) { task(id: $id) { id status prompt ... on ImageTask { images { url } } } }';
const JSON_POST = { 'content-type': 'application/json', accept: 'application/graphql-response+json' };

interface Target {
  name: string;
  /** Where it goes: the bare handler or the server. */
  server: 'bare' | 'app';
  path: (taskId: string) => string;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: (taskId: string) => string;
  /** The answer a correct server gives: checked once before the load. */
  expect: (body: string, taskId: string) => boolean;
}

const BARE = 'bare node:http (same JSON as /health)';

const TARGETS: Target[] = [
  {
    name: BARE,
    server: 'bare',
    path: () => '/health',
    method: 'GET',
    expect: (body) => body.includes('"status": "ok"'),
  },
  {
    name: 'REST GET /health',
    server: 'app',
    path: () => '/health',
    method: 'GET',
    expect: (body) => body.includes('"status": "ok"'),
  },
  {
    name: 'REST GET /task/:taskId',
    server: 'app',
    path: (id) => `/task/${id}`,
    method: 'GET',
    expect: (body, id) => body.includes(`"id": "${id}"`) && body.includes('"status": "completed"'),
  },
  {
    name: 'GraphQL POST { health { status } }',
    server: 'app',
    path: () => '/graphql',
    method: 'POST',
    headers: JSON_POST,
    body: () => JSON.stringify({ query: '{ health { status } }' }),
    expect: (body) => body === '{"data":{"health":{"status":"ok"}}}',
  },
  {
    name: 'GraphQL POST task(id)',
    server: 'app',
    path: () => '/graphql',
    method: 'POST',
    headers: JSON_POST,
    body: (id) => JSON.stringify({ query: TASK_QUERY, variables: { id } }),
    expect: (body, id) =>
      body.includes(`"id":"${id}"`) && body.includes('"status":"COMPLETED"') && !body.includes('"errors"'),
  },
  {
    name: 'GraphQL GET options (cached)',
    server: 'app',
    path: () => `/graphql?query=${encodeURIComponent(OPTIONS_QUERY)}`,
    method: 'GET',
    headers: { accept: 'application/graphql-response+json' },
    expect: (body) => body.includes('"models"') && !body.includes('"errors"'),
  },
  {
    name: 'REST GET /options',
    server: 'app',
    path: () => '/options',
    method: 'GET',
    expect: (body) => body.includes('"models"'),
  },
];

/** The ratios the server must reach (median of the runs). */
const GOALS: Array<{ name: string; min: number }> = [
  { name: 'REST GET /health', min: 0.85 },
  { name: 'REST GET /task/:taskId', min: 0.75 },
  { name: 'GraphQL POST { health { status } }', min: 0.3 },
  { name: 'GraphQL POST task(id)', min: 0.25 },
];

interface Timing {
  rounds: number;
  /** Seconds of each measured slice. */
  slice: number;
  warmup: number;
}

function timing(options: BenchOptions): Timing {
  return options.quick ? { rounds: 2, slice: 1, warmup: 1 } : { rounds: 8, slice: 1.5, warmup: 1 };
}

/** CPU time (user + system) a process has used, in ms, from /proc (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

let built: boolean | undefined;

/** `npm start` runs `npm run build` first: so does the benchmark, once, so that dist/ is the current source. */
function build(): void {
  if (built) return;
  const tsc = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  if (tsc.status !== 0) throw new Error(`npm run build failed:\n${tsc.stdout}${tsc.stderr}`);
  built = true;
}

interface AppServer extends ServerProcess {
  dataDir: string;
}

/** `node dist/main.js` on its embedded defaults (SQLite under a fresh DATA_DIR), pointed at the simulator. */
async function startApp(simUrl: string, nodeArgs: string[] = []): Promise<AppServer> {
  build();
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-overhead-data-'));
  const proc = spawnNode('dist/main.js', {
    tsx: false,
    nodeArgs,
    env: {
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      BING_ORIGIN: simUrl,
      BING_COOKIE_U: BENCH_COOKIE,
    },
  });
  const server = await serverProcess(proc, `http://127.0.0.1:${port}`);
  return {
    ...server,
    dataDir,
    async stop() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function startBare(): Promise<ServerProcess> {
  const port = await freePort();
  const proc = spawnNode('bench/bare-server.ts', { env: { PORT: String(port) } });
  return serverProcess(proc, `http://127.0.0.1:${port}`);
}

/** A completed image task in the server's store, for the task reads. */
async function storedTask(url: string): Promise<string> {
  const response = await fetch(`${url}/create/image`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'a red fox in the snow [sim:ms=1]' }),
  });
  const body = (await response.json()) as { data?: { taskId?: string } };
  if (response.status !== 200 || !body.data?.taskId)
    throw new Error(`POST /create/image answered ${response.status}: ${JSON.stringify(body)}`);
  return body.data.taskId;
}

interface LoadGenerator {
  load(order: Omit<LoadOrder, 'type'>): Promise<LoadResult>;
  stop(): Promise<void>;
}

async function startLoadGenerator(): Promise<LoadGenerator> {
  const proc: NodeProcess = spawnNode('bench/load-generator.ts', { ipc: true });
  const messages: Array<(message: { type: string; message?: string }) => void> = [];
  proc.child.on('message', (message: { type: string }) => messages.shift()?.(message));
  const next = () =>
    new Promise<{ type: string; message?: string }>((resolve, reject) => {
      const exited = () => reject(new Error(`the load generator exited:\n${proc.output()}`));
      proc.child.once('exit', exited);
      messages.push((message) => {
        proc.child.off('exit', exited);
        resolve(message);
      });
    });
  const ready = await next();
  if (ready.type !== 'ready') throw new Error(`the load generator said ${JSON.stringify(ready)}`);
  return {
    async load(order) {
      const answer = next();
      proc.child.send({ type: 'load', ...order } satisfies LoadOrder);
      const result = await answer;
      if (result.type !== 'result')
        throw new Error(`the load generator failed: ${result.message ?? JSON.stringify(result)}`);
      return result as unknown as LoadResult;
    },
    stop: () => proc.stop(),
  };
}

interface Servers {
  bare: ServerProcess;
  app: AppServer;
  taskId: string;
}

function order(servers: Servers, target: Target, seconds: number): Omit<LoadOrder, 'type'> {
  const base = target.server === 'bare' ? servers.bare.url : servers.app.url;
  return {
    url: base + target.path(servers.taskId),
    connections: CONNECTIONS,
    seconds,
    method: target.method,
    ...(target.headers ? { headers: target.headers } : {}),
    ...(target.body ? { body: target.body(servers.taskId) } : {}),
  };
}

async function check(servers: Servers, target: Target): Promise<void> {
  const { url, method, headers, body } = order(servers, target, 0);
  const response = await fetch(url, { method, headers: headers ?? {}, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  if (response.status !== 200 || !target.expect(text, servers.taskId)) {
    throw new Error(`${target.name} answered ${response.status}: ${text.slice(0, 300)}`);
  }
}

function problemsOf(name: string, result: LoadResult): string[] {
  const problems: string[] = [];
  if (result.errors || result.non2xx || result.timeouts) {
    problems.push(`${name}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx answers`);
  }
  if (result.ok === 0) problems.push(`${name}: no successful request`);
  return problems;
}

interface Slice extends LoadResult {
  /** Server CPU per 2xx answer, µs. */
  cpuUs: number;
}

async function run(options: BenchOptions): Promise<RunResult> {
  const { rounds, slice, warmup } = timing(options);
  const load = loadavg()[0]!;
  const sim = await startSimulatorProcess(1);
  const loader = await startLoadGenerator();
  const problems: string[] = [];
  const measurements: Measurement[] = [];
  let bare: ServerProcess | undefined;
  let app: AppServer | undefined;
  try {
    [bare, app] = await Promise.all([startBare(), startApp(sim.url)]);
    const servers: Servers = { bare, app, taskId: await storedTask(app.url) };
    for (const target of TARGETS) await check(servers, target);
    for (const target of TARGETS) await loader.load(order(servers, target, warmup));
    const slices = new Map<string, Slice[]>(TARGETS.map((t) => [t.name, []]));
    for (let round = 0; round < rounds; round += 1) {
      // Each round starts one case later, so that no case always follows the same one.
      const turn = TARGETS.map((_, i) => TARGETS[(i + round) % TARGETS.length]!);
      for (const target of turn) {
        const pid = target.server === 'bare' ? bare.pid : app.pid;
        const before = cpuMs(pid);
        const result = await loader.load(order(servers, target, slice));
        const cpuUs = result.ok > 0 ? ((cpuMs(pid) - before) * 1000) / result.ok : Number.NaN;
        problems.push(...problemsOf(target.name, result));
        slices.get(target.name)!.push({ ...result, cpuUs });
      }
    }
    const bareSlices = slices.get(BARE)!;
    const median = (values: number[]) => spread(values).median;
    for (const target of TARGETS) {
      const own = slices.get(target.name)!;
      // Per round, against the bare handler's slice of the same round: the machine's load changes by the second.
      const ratios = own.map((s, i) => s.rps / bareSlices[i]!.rps);
      const p99 = median(own.map((s) => s.p99));
      measurements.push(...measure(TABLE, target.name, { 'req/s': median(own.map((s) => s.rps)), 'p99 (ms)': p99 }, 0));
      measurements.push(...measure(TABLE, target.name, { 'req/s ÷ bare': median(ratios) }, 2));
      // autocannon's latencies are whole milliseconds: a p99 of 0 counts as 1 ms in the ratio.
      measurements.push(
        ...measure(
          TABLE,
          target.name,
          { 'p99 ÷ bare': Math.max(1, p99) / Math.max(1, median(bareSlices.map((s) => s.p99))) },
          2,
        ),
      );
      measurements.push(...measure(TABLE, target.name, { 'server CPU µs/answer': median(own.map((s) => s.cpuUs)) }, 1));
    }
    measurements.push(
      ...measure('Machine load', '1-minute load average', { 'before the run': load, after: loadavg()[0]! }, 2),
    );
  } finally {
    await Promise.all([bare?.stop(), app?.stop(), loader.stop(), sim.stop()]);
  }
  return { measurements, problems };
}

function goals(median: MedianOf): Goal[] {
  return GOALS.map(({ name, min }) => {
    const ratio = median(TABLE, name, 'req/s ÷ bare');
    return {
      name: `Overhead: ${name} ÷ bare`,
      target: `≥ ${min.toFixed(2)}`,
      measured: ratio.toFixed(2),
      met: ratio >= min,
    };
  });
}

const pct = (share: number) => `${(share * 100).toFixed(1)}%`;

/** A note kept beside the benchmark in bench/profiles/, under its caption; nothing when the file is not there. */
function notes(file: string, caption: string): string[] {
  const path = join(ROOT, 'bench', 'profiles', file);
  return existsSync(path) ? [caption, '', readFileSync(path, 'utf8').trim(), ''] : [];
}

/**
 * Each server case under load in one process started with --cpu-prof; the profile is written when the
 * server exits, and each case's share is read from its own window of samples (a margin trimmed off each end).
 */
async function profile(options: BenchOptions): Promise<RunResult & { lines: string[] }> {
  const { warmup, slice } = timing(options);
  const seconds = Math.max(3, slice);
  const dir = mkdtempSync(join(tmpdir(), 'bench-cpu-'));
  const sim = await startSimulatorProcess(1);
  const loader = await startLoadGenerator();
  /** Windows in ms after the spawn: the profile starts a little later, which the margins leave out. */
  const windows: Array<{ target: Target; fromMs: number; toMs: number }> = [];
  const lines: string[] = [];
  try {
    const spawnedAt = Date.now();
    const app = await startApp(sim.url, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
    try {
      const servers: Servers = { bare: app, app, taskId: await storedTask(app.url) };
      const cases = TARGETS.filter((t) => t.server === 'app').slice(0, 4);
      for (const target of cases) {
        await loader.load(order(servers, target, warmup));
        const fromMs = Date.now() - spawnedAt + 300;
        await loader.load(order(servers, target, seconds));
        windows.push({ target, fromMs, toMs: Date.now() - spawnedAt - 300 });
      }
    } finally {
      await app.stop();
    }
    const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
    if (!file) return { measurements: [], problems: ['the CPU profile was not written'], lines: [] };
    const cpu = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    lines.push(
      `**CPU profiles** (\`node --cpu-prof\` on \`node dist/main.js\`, each case loaded for ${seconds} s after its own warm-up; self time, idle excluded): the top functions and the packages of each case.`,
      '',
    );
    for (const { target, fromMs, toMs } of windows) {
      const functions = topFunctions(cpu, 8, fromMs, toMs);
      const packages = topPackages(cpu, 6, fromMs, toMs);
      lines.push(
        `*${target.name}*`,
        '',
        '| Function | Where | Self | Share |',
        '|---|---|---:|---:|',
        ...functions.map(
          (f) =>
            `| \`${f.name}\` | ${f.location ? `\`${f.location}\`` : 'V8'} | ${f.ms.toFixed(0)} ms | ${pct(f.share)} |`,
        ),
        '',
        `By package: ${packages.map((p) => `${p.name} ${pct(p.share)}`).join(', ')}.`,
        '',
      );
    }
    lines.push(
      ...notes(
        'overhead-left.md',
        '**What is left** (bench/profiles/overhead-left.md, written from these profiles and from trials):',
      ),
      ...notes(
        'overhead-before.md',
        '**Before**: the same benchmark on earlier code, kept in bench/profiles/overhead-before.md (each part says which code, and how loaded the machine was):',
      ),
    );
    return { measurements: [], problems: [], lines };
  } finally {
    await Promise.all([loader.stop(), sim.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

export const overheadBenchmark: Benchmark = {
  id: 'overhead',
  title: '2. Per-request overhead',
  describe(options) {
    const { rounds, slice, warmup } = timing(options);
    return [
      `The server runs as \`npm start\` runs it: \`npm run build\`, then \`node dist/main.js\` on its embedded defaults (SQLite store in a fresh DATA_DIR, one process, LOG_LEVEL=info), with NODE_ENV=production, pointed at the simulator. The bare handler (bench/bare-server.ts) answers the same JSON and headers as REST /health. Server, bare handler, simulator and load generator (autocannon, ${CONNECTIONS} connections, bench/load-generator.ts) each run in their own process.`,
      `Alternating: after a ${warmup} s warm-up of each case, ${rounds} rounds load every case in turn for ${slice} s (each round starting one case later), so that other work on the machine (2 cores, shared) weighs on all cases alike. A case's ratio is the median over the rounds of its 2xx answers per second over the bare handler's in the same round; req/s and p99 are medians of the slices. Server CPU is the server process's user + system time (from /proc) per 2xx answer, median of the slices: it is less sensitive to the machine's load than req/s. Any error or non-2xx answer makes the run fail.`,
      "What the ratios assume: the load generator (one process, one core) and each server (one core) share the 2 cores with whatever else runs. On a quiet machine every server is bound by its own CPU per answer, and the ratio is close to the bare handler's CPU per answer over the server's; when other work keeps the cores busy, every target waits for a core alike and the ratios move towards 1 (the bare handler loses most). So the ratios of runs on differently loaded machines are not comparable: the machine load table says how busy each run was. Server CPU includes the kernel's time in `writev`, where the answer wakes the load generator; on this machine (a VM) the wake-up seems to cost more the longer the load generator has waited, and savings add up to more than their parts (in a trial, the request tracking and its AsyncLocalStorage taken out one at a time saved 2-4 µs per /task/:taskId answer each, together 18 µs).",
      `The task reads ask for one completed image task in the store. GraphQL POSTs send \`application/json\` (so CSRF prevention lets them through); task(id) sends \`${TASK_QUERY}\` with its id as a variable. GraphQL GET asks for \`${OPTIONS_QUERY}\`, which the server answers from a cache with an ETag (options never change while it runs); nothing else is cached. autocannon measures latency in whole milliseconds: in the ratio a p99 of 0 counts as 1 ms.`,
    ];
  },
  run: (options) => run(options),
  goals: (median) => goals(median),
  finish: (options) => profile(options),
};
