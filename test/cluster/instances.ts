/**
 * Two (or more) real server processes in cluster mode on one real Redis and one simulator, as a deployment
 * behind a load balancer runs them.
 */
import { randomUUID } from 'node:crypto';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { killServers, serverEnv, spawnServer, tempDir, type ServerProcess } from '../durability/server-process.js';
import { startRedis, type RedisServer } from './redis-server.js';

export interface Deployment {
  redis: RedisServer;
  sim: Simulator;
  /** The environment every instance shares (REDIS_URL, REDIS_PREFIX, the simulator). */
  env: Record<string, string>;
  /** Starts one more instance with the shared environment plus `extra`. */
  instance(extra?: Record<string, string>): Promise<ServerProcess>;
  close(): Promise<void>;
}

/** A short job lock, so that a killed instance's jobs are taken over within seconds. */
export const LOCK = '2s';

export async function deploy(extra: Record<string, string> = {}): Promise<Deployment> {
  const redis = await startRedis();
  const sim = await startSimulator({ timeScale: 0.01 });
  const data = tempDir('cluster-');
  const env = serverEnv(sim.url, data.dir, {
    REDIS_URL: redis.url,
    REDIS_PREFIX: `t${randomUUID().slice(0, 8)}`,
    JOB_LOCK_DURATION: LOCK,
    POLL_INTERVAL: '100ms',
    POLL_MAX_INTERVAL: '200ms',
    ...extra,
  });
  let instances = 0;
  return {
    redis,
    sim,
    env,
    // Each its own data directory: nothing may be shared except through Redis.
    instance: (more = {}) => spawnServer({ ...env, DATA_DIR: `${data.dir}/${++instances}`, ...more }),
    async close() {
      await killServers();
      await sim.close();
      await redis.close();
      data.remove();
    },
  };
}

/** The largest number of simulator jobs Bing held at once: from each submit until its result was first seen. */
export function mostAtOnce(sim: Simulator): number {
  const edges: Array<[number, number]> = [];
  for (const job of sim.jobs.values()) {
    edges.push([job.submittedAt, 1], [job.firstSeenDoneAt ?? Number.POSITIVE_INFINITY, -1]);
  }
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let most = 0;
  for (const [, step] of edges) {
    now += step;
    most = Math.max(most, now);
  }
  return most;
}

/** A GraphQL subscription over SSE: every update of `field`, until the stream ends. */
export async function sse(
  url: string,
  field: 'taskUpdated' | 'videoTaskUpdated',
  id: string,
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: JSON.stringify({
      query: `subscription ($id: ID!) { ${field}(id: $id) { id status errorCode } }`,
      variables: { id },
    }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(5).trim())
    .filter((data) => data.startsWith('{'))
    .map(
      (data) =>
        JSON.parse(data) as {
          data?: Record<string, { id: string; status: string; errorCode: string | null }>;
          errors?: unknown[];
        },
    );
}
