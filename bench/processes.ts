/**
 * Child Node processes for the benchmarks: spawned with the open-file limit raised to the hard limit
 * (thousands of sockets), their output drained and kept for error messages, their memory read from
 * /proc, and stopped by their own pid with a deadline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

const KEPT_OUTPUT = 64 * 1024;

/** Children still running: killed when the bench exits, whatever way it exits, so none is left behind. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface NodeProcess {
  child: ChildProcess;
  pid: number;
  /** The last 64 KB the process wrote to stdout and stderr. */
  output(): string;
  /** Lines on stdout as they come. */
  onLine(listener: (line: string) => void): void;
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  env?: Record<string, string>;
  nodeArgs?: string[];
  /** Opens an IPC channel (process.send in the child). */
  ipc?: boolean;
  /** Default true: load TypeScript through tsx. False runs compiled JavaScript with plain node. */
  tsx?: boolean;
  /** Default true: raise `ulimit -n` to the hard limit (through bash, which then execs node). */
  raiseFileLimit?: boolean;
}

/** `node --import tsx <script>` in the project root, with `ulimit -n` raised as far as the hard limit allows. */
export function spawnNode(script: string, options: SpawnOptions = {}): NodeProcess {
  const args = [...(options.nodeArgs ?? []), ...(options.tsx === false ? [] : ['--import', 'tsx']), script];
  const [command, commandArgs] =
    options.raiseFileLimit === false
      ? [process.execPath, args]
      : ['bash', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"', process.execPath, ...args]];
  const child = spawn(command, commandArgs, {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc ? (['ipc'] as const) : [])],
  });
  if (child.pid === undefined) throw new Error(`could not start ${script}`);
  running.add(child);
  child.once('exit', () => running.delete(child));
  let kept = '';
  const keep = (chunk: Buffer) => {
    kept = (kept + chunk.toString('utf8')).slice(-KEPT_OUTPUT);
  };
  const listeners: Array<(line: string) => void> = [];
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    keep(chunk);
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) for (const listener of listeners) listener(line);
  });
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const pid = child.pid;
  return {
    child,
    pid,
    output: () => kept,
    onLine: (listener) => listeners.push(listener),
    exited,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A port that was free a moment ago, for a child that must be told its port before it starts. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** One GET on a fresh connection; null when nothing answers. */
export function getOnce(url: string, timeoutMs = 2_000): Promise<{ status: number; body: string } | null> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', () => resolve(null));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
    req.end();
  });
}

/** Polls `url` until it answers 200; resolves with the time it took, or throws with the child's output. */
export async function waitForOk(url: string, proc: NodeProcess, deadlineMs = 30_000, everyMs = 5): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < deadlineMs) {
    if (proc.child.exitCode !== null) break;
    const answer = await getOnce(url, 1_000);
    if (answer?.status === 200) return performance.now() - started;
    await sleep(everyMs);
  }
  throw new Error(`${url} did not answer 200 within ${deadlineMs} ms. Output:\n${proc.output()}`);
}

/** A field of /proc/<pid>/status in kB: VmRSS (resident now) or VmHWM (resident at peak). */
export function memoryKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]);
}
