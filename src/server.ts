/**
 * The app: one node:http server with Yoga at /graphql, graphql-ws on the same path, and the REST routes
 * everywhere else, all over one TaskService. `createApp` builds it; `start` and `stop` run it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ApiKeys } from './auth/api-keys.js';
import { Authenticator } from './auth/caller.js';
import { withoutSecrets } from './auth/redact.js';
import { BingClient } from './bing/client.js';
import { LearnedSchedule, type PollScheduler } from './bing/schedule.js';
import { Cluster } from './cluster/index.js';
import { redisSecrets } from './cluster/redis.js';
import type { Config } from './config.js';
import { createLogger, type Logger } from './log.js';
import { Observability } from './metrics/index.js';
import { createOpenAIHandler, OPENAI_PREFIX } from './openai/index.js';
import { createRestHandler } from './rest/index.js';
import { fetchImage } from './http/fetch-image.js';
import { refuseExpectation, refuseMalformed } from './http/malformed.js';
import { bingGenerations } from './tasks/bing-generations.js';
import { LocalTaskEvents, type TaskEvents } from './tasks/events.js';
import { MemoryTaskStore } from './tasks/memory-store.js';
import { TaskService } from './tasks/service.js';
import { SqliteTaskStore } from './tasks/sqlite-store.js';
import type { TaskStore } from './tasks/store.js';
import { alwaysReady, answerReadiness } from './readyz.js';
import { attachGraphQLWebSocket } from './websocket.js';
import { createGraphQL, type GraphQLOptions } from './yoga.js';

export interface AppOptions {
  log?: Logger;
  store?: TaskStore;
  events?: TaskEvents;
  schedule?: PollScheduler;
  graphql?: GraphQLOptions;
}

export interface App {
  readonly server: Server;
  readonly service: TaskService;
  readonly client: BingClient;
  readonly log: Logger;
  /** Listens on the configured host and port (0 for a random one); resolves with the base URL. */
  start(): Promise<string>;
  /** Stops taking work, closes WebSockets with 1001, lets in-flight generations go (they resume at the next start). */
  stop(): Promise<void>;
}

function openStore(config: Config): TaskStore {
  if (config.tasks.store === 'memory') return new MemoryTaskStore();
  return SqliteTaskStore.open(join(config.tasks.dataDir, 'tasks.sqlite'));
}

export function createApp(config: Config, options: AppOptions = {}): App {
  const keys = ApiKeys.from(config.auth.keys, config.auth.keysFile);
  // Whatever an unforeseen error quotes, no log line holds the cookie or a key.
  const redisPassword = config.cluster ? redisSecrets(config.cluster.redisUrl) : [];
  const log = withoutSecrets(options.log ?? createLogger(config.logLevel, undefined, config.logFormat), [
    ...config.bing.cookies,
    ...keys.plain,
    ...config.auth.adminKeys,
    ...redisPassword,
  ]);
  const limits = {
    perMinute: config.limits.perMinute,
    inFlightPerKey: config.limits.inFlightPerKey,
    subscriptionsPerKey: config.limits.subscriptionsPerKey,
    inFlight: config.limits.inFlightPerAccount * Math.max(1, config.bing.cookies.length),
    queueMax: config.limits.queueMax,
  };
  // Cluster mode (REDIS_URL): tasks, events, generations and limits shared through Redis.
  const cluster = config.cluster && new Cluster({ ...config.cluster, limits, log });
  const store = options.store ?? cluster?.store ?? openStore(config);
  const auth = new Authenticator(keys, config.auth.trustProxy);
  const observability = new Observability(config, auth, log);
  const events = observability.events(options.events ?? cluster?.events ?? new LocalTaskEvents());
  const client = new BingClient({
    ...config.bing,
    schedule: options.schedule ?? new LearnedSchedule(config.schedule),
  });
  const service = new TaskService(
    observability.generations(bingGenerations(client)),
    store,
    events,
    {
      imageDeadlineMs: config.bing.imageDeadlineMs,
      videoDeadlineMs: config.bing.videoDeadlineMs,
      videoStandardDeadlineMs: config.bing.videoStandardDeadlineMs,
      videoImage: { ...config.videoImage, origin: config.bing.origin },
      fetchImage,
      maxPromptLength: config.limits.maxPromptLength,
      ttlMs: config.tasks.ttlMs,
      maxTasks: config.tasks.max,
      sweepIntervalMs: config.tasks.sweepIntervalMs,
      limits,
    },
    log,
    cluster?.queue,
  );
  observability.observe(service);
  const yoga = createGraphQL(config, service, auth, log, {
    ...options.graphql,
    plugins: [observability.graphqlPlugin()],
  });
  const rest = createRestHandler({ service, config, log, auth });
  const openai = createOpenAIHandler({ service, config, log, auth, fetchImage });

  /** Open SSE responses: a stop cuts them, since a subscription may wait minutes for its next event. */
  const streams = new Set<ServerResponse>();
  const server = createServer((req, res) => observability.handle(req, res, req.url?.split('?')[0] ?? '/', answer));
  function answer(req: IncomingMessage, res: ServerResponse): void {
    const path = req.url?.split('?')[0] ?? '/';
    if (path === '/readyz' && (req.method === 'GET' || req.method === 'HEAD')) {
      void answerReadiness(res, cluster ? () => cluster.readiness() : alwaysReady, () => stopping !== undefined);
      return;
    }
    // Preflights, /graphql's too, are answered by the REST handler with the one CORS policy.
    if (req.method !== 'OPTIONS' && (path === yoga.graphqlEndpoint || path.startsWith(`${yoga.graphqlEndpoint}/`))) {
      if (refuseBody(req, res, config.http.maxBodyBytes)) return;
      if (req.headers.accept?.includes('text/event-stream')) {
        streams.add(res);
        res.once('close', () => streams.delete(res));
      }
      // Yoga's node handler already puts req and res in the server context: a context argument would be merged in again, per request.
      void yoga.handle(req, res);
      return;
    }
    if (req.method !== 'OPTIONS' && (path === OPENAI_PREFIX || path.startsWith(`${OPENAI_PREFIX}/`))) {
      openai(req, res);
      return;
    }
    rest(req, res);
  }
  server.on('clientError', refuseMalformed);
  server.on('checkExpectation', refuseExpectation);
  const ws = attachGraphQLWebSocket(server, yoga, auth, config.http.maxBodyBytes, log);

  let stopping: Promise<void> | undefined;

  return {
    server,
    service,
    client,
    log,
    async start() {
      await cluster?.connect();
      await service.start();
      warnWhenExposed(config, auth.required, log);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const { address, port } = server.address() as AddressInfo;
      const host = address.includes(':') ? `[${address}]` : address;
      void client.checkSessions().catch(() => undefined);
      return `http://${host}:${port}`;
    },
    stop() {
      stopping ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // A WebSocket peer that never answers the close frame would hold the stop for ws's own 30 s.
        const force = setTimeout(() => {
          server.closeAllConnections();
          for (const socket of ws.wss.clients) socket.terminate();
        }, config.shutdownTimeoutMs);
        // Both at once: waiting on the sockets first would keep in-flight mutations from their answer.
        const socketsClosed = ws.close(1001, 'Server is stopping');
        await service.stop();
        // Cut, not completed: a `complete` event would read as "the task finished".
        for (const stream of streams) stream.destroy();
        // server.close() only closed the connections idle at that moment; a response that ends later
        // leaves its keep-alive connection open for seconds unless it is closed as it goes idle.
        const idle = setInterval(() => server.closeIdleConnections(), 50);
        server.closeIdleConnections();
        await Promise.all([socketsClosed, closed]);
        clearInterval(idle);
        clearTimeout(force);
        await store.close();
        await events.close();
        await cluster?.close();
        await client.close();
      })();
      return stopping;
    },
  };
}

/**
 * GraphQL bodies are bounded before Yoga reads them: a declared length over the limit is refused with 413,
 * and a POST without a declared length (chunked) with 411, since it could not be bounded without reading.
 */
function refuseBody(req: IncomingMessage, res: ServerResponse, maxBytes: number): boolean {
  if (req.method !== 'POST') return false;
  const declared = req.headers['content-length'];
  const refusal =
    declared === undefined
      ? req.headers['transfer-encoding']
        ? { status: 411, message: 'A GraphQL POST needs a Content-Length header.' }
        : undefined
      : Number(declared) > maxBytes
        ? { status: 413, message: `The request body is larger than ${maxBytes} bytes.` }
        : undefined;
  if (!refusal) return false;
  res.writeHead(refusal.status, {
    'content-type': 'application/graphql-response+json; charset=utf-8',
    connection: 'close',
  });
  res.end(
    JSON.stringify({
      errors: [
        {
          message: refusal.message,
          extensions: { code: refusal.status === 413 ? 'PAYLOAD_TOO_LARGE' : 'LENGTH_REQUIRED' },
        },
      ],
    }),
  );
  req.resume();
  return true;
}

const LOOPBACK = /^(127\.|::1$|localhost$)/;

function warnWhenExposed(config: Config, keysRequired: boolean, log: Logger): void {
  if (keysRequired || LOOPBACK.test(config.host)) return;
  log.warn(
    { host: config.host },
    'WARNING: the server is reachable from other machines and API_KEYS is not set: anyone who reaches it can spend the Bing account. Set API_KEYS or listen on 127.0.0.1.',
  );
}
