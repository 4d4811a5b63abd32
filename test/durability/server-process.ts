/**
 * The server as a real child process (`node --import tsx src/main.ts`), for tests that kill it, stop it
 * with a signal, and start it again on the same data directory.
 */
import { vi } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_COOKIE } from '../support/stack.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const main = path.join(root, 'src', 'main.ts');
const START_TIMEOUT_MS = 20_000;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerProcess {
  child: ChildProcess;
  /** The base URL from the "server listening" log line. */
  url: string;
  /** Every log line on stdout, parsed. */
  logs: Array<Record<string, unknown>>;
  stderr(): string;
  exited: Promise<Exit>;
  /** Sends `signal` and resolves when the process has exited, or rejects after `timeoutMs`. */
  kill(signal: NodeJS.Signals, timeoutMs?: number): Promise<Exit>;
}

const running = new Set<ChildProcess>();

/**
 * The environment of a server on `dataDir` against the simulator at `bingOrigin`: SQLite store, schedule
 * scaled by 0.01 with a 100 ms poll interval throughout, info logs.
 */
export function serverEnv(
  bingOrigin: string,
  dataDir: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    TASK_STORE: 'sqlite',
    DATA_DIR: dataDir,
    BING_ORIGIN: bingOrigin,
    BING_COOKIE_U: TEST_COOKIE,
    LOG_LEVEL: 'info',
    TIME_SCALE: '0.01',
    POLL_INTERVAL: '10s',
    POLL_MAX_INTERVAL: '10s',
    POLL_RETRY_BASE: '20ms',
    POLL_RETRY_MAX: '100ms',
    BING_REQUEST_TIMEOUT: '5s',
    ...extra,
  };
}

/** Starts the server and resolves once it listens. Only `env` (plus PATH and HOME) reaches it. */
export async function spawnServer(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', main], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });

  const logs: Array<Record<string, unknown>> = [];
  let err = '';
  let partial = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the server did not start within ${START_TIMEOUT_MS} ms:\n${err}`)),
      START_TIMEOUT_MS,
    );
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines.filter(Boolean)) {
        const entry = parseLine(line);
        logs.push(entry);
        if (entry.msg === 'server listening' && typeof entry.url === 'string') {
          clearTimeout(timer);
          resolve(entry.url);
        }
      }
    });
    void exited.then((exit) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${exit.code ?? exit.signal}) before listening:\n${err}`));
    });
  });

  let url: string;
  try {
    url = await listening;
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }

  return {
    child,
    url,
    logs,
    stderr: () => err,
    exited,
    async kill(signal, timeoutMs = 10_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return within(exited, timeoutMs, `the server did not exit within ${timeoutMs} ms of ${signal}`);
    },
  };
}

function parseLine(line: string): Record<string, unknown> {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return { msg: line };
  }
}

/** SIGKILLs every server this file started that is still running: for afterEach, pass or fail. */
export async function killServers(): Promise<void> {
  const exits = [...running].map(
    (child) =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  );
  await within(Promise.all(exits), 5_000, 'a server survived SIGKILL');
}

export function within<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** `check`'s first value other than undefined, or a failure naming `what` after `ms`. */
export function until<T>(check: () => T | undefined | Promise<T | undefined>, ms: number, what: string): Promise<T> {
  return vi.waitFor(
    async () => {
      const value = await check();
      if (value === undefined) throw new Error(`still waiting for ${what}`);
      return value;
    },
    { timeout: ms, interval: 50 },
  );
}

/** A fresh temporary directory, and its removal. */
export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
