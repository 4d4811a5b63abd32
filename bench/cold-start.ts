/**
 * Benchmark 5: cold start. The time from spawning the server to its first successful GET /health, and
 * its resident memory once idle; from source through tsx (`npm run dev`), and, in a full run, compiled
 * (`npm start` runs dist/main.js; the bench compiles to bench/results/dist so as not to touch dist/).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { measure, type BenchOptions, type Benchmark, type Measurement, type RunResult } from './benchmark.js';
import { ROOT, freePort, memoryKb, spawnNode, waitForOk } from './processes.js';
import { serverEnv } from './server.js';
import { startSimulatorProcess } from './simulator.js';

const TABLE = 'Cold start';
const IDLE_SETTLE_MS = 1_000;
const COMPILED = join(ROOT, 'bench', 'results', 'dist');

/** Compiles src/ once per bench process; false when it could not. */
let compiled: Promise<boolean> | undefined;
function compile(): Promise<boolean> {
  compiled ??= promisify(execFile)(
    process.execPath,
    [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--outDir', COMPILED],
    { cwd: ROOT, timeout: 180_000 },
  ).then(
    () => true,
    // Type errors still emit JavaScript; only a missing entry point stops the compiled variant.
    () => existsSync(join(COMPILED, 'main.js')),
  );
  return compiled;
}

async function start(simUrl: string, variant: 'source' | 'compiled'): Promise<{ readyMs: number; idleKb: number }> {
  const port = await freePort();
  const env = serverEnv(simUrl, port);
  const started = performance.now();
  const proc =
    variant === 'source'
      ? spawnNode('src/main.ts', { env, raiseFileLimit: false })
      : spawnNode(join(COMPILED, 'main.js'), { env, tsx: false, raiseFileLimit: false });
  try {
    await waitForOk(`http://127.0.0.1:${port}/health`, proc, 60_000, 5);
    const readyMs = performance.now() - started;
    await sleep(IDLE_SETTLE_MS);
    return { readyMs, idleKb: memoryKb(proc.pid, 'VmRSS') };
  } finally {
    await proc.stop();
  }
}

async function run(options: BenchOptions): Promise<RunResult> {
  const problems: string[] = [];
  const measurements: Measurement[] = [];
  const sim = await startSimulatorProcess(1);
  try {
    const variants: Array<['source' | 'compiled', string]> = [['source', 'node --import tsx src/main.ts']];
    if (!options.quick) {
      if (await compile()) variants.push(['compiled', 'node dist/main.js (compiled)']);
      else problems.push('src/ could not be compiled: the compiled variant was skipped');
    }
    for (const [variant, label] of variants) {
      const { readyMs, idleKb } = await start(sim.url, variant);
      if (!(readyMs > 0)) problems.push(`${label}: ready after ${readyMs} ms`);
      measurements.push(
        ...measure(TABLE, label, { 'first 200 /health (ms)': readyMs }, 0),
        ...measure(TABLE, label, { 'idle RSS (MB)': idleKb / 1024 }, 1),
      );
    }
  } finally {
    await sim.stop();
  }
  return { measurements, problems };
}

export const coldStartBenchmark: Benchmark = {
  id: 'cold-start',
  title: '5. Cold start',
  describe: () => [
    `From spawning the process to the first 200 answer of GET /health (polled every 5 ms on a fresh connection), memory store, LOG_LEVEL=warn; idle RSS is the process's VmRSS ${IDLE_SETTLE_MS / 1000} s after that. The compiled variant (full runs only) is src/ compiled with tsconfig.build.json, as \`npm start\` runs it.`,
  ],
  run: (options) => run(options),
};
