/**
 * A real redis-server for the cluster tests and benchmarks: its own free port on loopback, its own temporary
 * directory, the append-only file fsynced on every write (as the README asks of a production Redis), and
 * no RDB snapshots. It can be stopped, killed and started again on the same port and data.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface RedisServer {
  url: string;
  port: number;
  dir: string;
  /** Starts the server again on the same port and data directory (after stop or kill). */
  start(): Promise<void>;
  /** SHUTDOWN through SIGTERM: the AOF is flushed, as in a planned restart. */
  stop(): Promise<void>;
  /** SIGKILL: what a crash leaves behind. */
  kill(): Promise<void>;
  /** Stops the server and removes its directory. */
  close(): Promise<void>;
}

const START_TIMEOUT_MS = 10_000;

export function redisAvailable(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export async function startRedis(): Promise<RedisServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let output = '';

  async function start(): Promise<void> {
    output = '';
    child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--save',
        '',
        '--maxmemory-policy',
        'noeviction',
        '--protected-mode',
        'no',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const running = child;
    running.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output = (output + chunk).slice(-16_384)));
    running.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output = (output + chunk).slice(-16_384)));
    exited = new Promise((resolve) => running.once('exit', () => resolve()));
    await ready(running, exited, () => output);
  }

  async function signal(name: NodeJS.Signals): Promise<void> {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(name);
    await exited;
  }

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    start,
    stop: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
    async close() {
      await signal('SIGTERM');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves once the server logs that it accepts connections (after loading its AOF); rejects when it exits first. */
function ready(child: ChildProcess, exited: Promise<void>, output: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`redis-server was not ready within ${START_TIMEOUT_MS} ms:\n${output()}`)),
      START_TIMEOUT_MS,
    );
    const onData = (chunk: string) => {
      if (!chunk.includes('Ready to accept connections')) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve();
    };
    child.stdout!.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited at start:\n${output()}`));
    });
  });
}
