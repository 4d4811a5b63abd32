/** The server under test in its own process: src/main.ts (or the probe entry), on 127.0.0.1, memory store. */
import { freePort, memoryKb, spawnNode, waitForOk, type NodeProcess } from './processes.js';

export const BENCH_COOKIE = 'bench-cookie-0123456789abcdef';

export interface ServerOptions {
  /** The simulator the server takes for Bing. */
  simUrl: string;
  env?: Record<string, string>;
  /** Default src/main.ts. */
  entry?: string;
  nodeArgs?: string[];
  ipc?: boolean;
}

export interface ServerProcess {
  url: string;
  pid: number;
  proc: NodeProcess;
  rssKb(): number;
  peakRssKb(): number;
  stop(): Promise<void>;
}

/**
 * The per-caller and per-account limits raised out of the way, for the benchmarks that hold thousands of
 * generations or subscriptions from one address: they measure the server, not its limits.
 */
export const LIMITS_OFF: Record<string, string> = {
  RATE_LIMIT_PER_MINUTE: '1000000',
  MAX_IN_FLIGHT_PER_KEY: '1000000',
  MAX_SUBSCRIPTIONS_PER_KEY: '1000000',
  BING_MAX_IN_FLIGHT: '100000',
  QUEUE_MAX: '1000000',
};

export function serverEnv(simUrl: string, port: number, env: Record<string, string> = {}): Record<string, string> {
  return {
    PORT: String(port),
    HOST: '127.0.0.1',
    TASK_STORE: 'memory',
    BING_ORIGIN: simUrl,
    BING_COOKIE_U: BENCH_COOKIE,
    LOG_LEVEL: 'warn',
    ...env,
  };
}

export async function startServer(options: ServerOptions): Promise<ServerProcess> {
  const port = await freePort();
  const proc = spawnNode(options.entry ?? 'src/main.ts', {
    env: serverEnv(options.simUrl, port, options.env),
    nodeArgs: options.nodeArgs ?? [],
    ipc: options.ipc ?? false,
  });
  return serverProcess(proc, `http://127.0.0.1:${port}`);
}

/** A started server process, once its /health answers 200; stopped again when it never does. */
export async function serverProcess(proc: NodeProcess, url: string): Promise<ServerProcess> {
  try {
    await waitForOk(`${url}/health`, proc, 60_000, 20);
  } catch (error) {
    await proc.stop();
    throw error;
  }
  return {
    url,
    pid: proc.pid,
    proc,
    rssKb: () => memoryKb(proc.pid, 'VmRSS'),
    peakRssKb: () => memoryKb(proc.pid, 'VmHWM'),
    stop: () => proc.stop(),
  };
}
