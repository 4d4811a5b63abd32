/**
 * The app: one node:http server with Yoga at /graphql, graphql-ws on the same path, and the REST routes
 * everywhere else, all over one TaskService. `createApp` builds it; `start` and `stop` run it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createPageHandler, isPagePath } from './app/index.js';
import { environmentAccounts } from './accounts/file.js';
import { AccountPool } from './accounts/pool.js';
import { AccountsSource } from './accounts/source.js';
import { Webhook } from './accounts/webhook.js';
import { ApiKeys } from './auth/api-keys.js';
import { Authenticator } from './auth/caller.js';
import { withoutSecrets } from './auth/redact.js';
import { BingClient, DEFAULT_PENDING_LIMIT_MS } from './bing/client.js';
import { credentialSecrets, proxySecrets } from './bing/cookies.js';
import { LearnedSchedule, type PollScheduler } from './bing/schedule.js';
import { Cluster } from './cluster/index.js';
import { redisSecrets } from './cluster/redis.js';
import type { Config } from './config.js';
import { keepLearnedTiming } from './learned-timing.js';
import { createLogger, type Logger } from './log.js';
import { Observability } from './metrics/index.js';
import { createOpenAIHandler, OPENAI_PREFIX } from './openai/index.js';
import { createRestHandler } from './rest/index.js';
import { fetchImage } from './http/fetch-image.js';
import { fetchMedia } from './http/fetch-media.js';
import { refuseExpectation, refuseMalformed } from './http/malformed.js';
import { MediaMirror } from './media/mirror.js';
import { createMediaHandler, MEDIA_PREFIX } from './media/serve.js';
import { bingGenerations } from './tasks/bing-generations.js';
import { LocalTaskEvents, type TaskEvents } from './tasks/events.js';
import { MemoryMediaIndex } from './tasks/memory-media-index.js';
import { MemoryTaskStore } from './tasks/memory-store.js';
import { isScheduleStore } from './tasks/schedule-store.js';
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
  /** The media mirror, when MEDIA_MIRROR is on. */
  readonly mirror: MediaMirror | undefined;
  readonly accounts: AccountPool;
  /** Reads the accounts again (SIGHUP; a change of the file does it by itself); in-flight generations go on. */
  reloadAccounts(): Promise<void>;
  /** Listens on the configured host and port (0 for a random one); resolves with the base URL. */
  start(): Promise<string>;
  /** Stops taking work, closes WebSockets with 1001, lets in-flight generations go (they resume at the next start). */
  stop(): Promise<void>;
}

function scaled<K extends string>(values: Record<K, number>, factor: number): Record<K, number> {
  return Object.fromEntries(
    Object.entries(values).map(([key, ms]) => [key, Math.round((ms as number) * factor)]),
  ) as Record<K, number>;
}

function openStore(config: Config): TaskStore {
  if (config.tasks.store === 'memory') return new MemoryTaskStore();
  return SqliteTaskStore.open(join(config.tasks.dataDir, 'tasks.sqlite'));
}

export function createApp(config: Config, options: AppOptions = {}): App {
  const keys = ApiKeys.from(config.auth.keys, config.auth.keysFile);
  const adminKeys = ApiKeys.from(config.auth.adminKeys, config.auth.adminKeysFile);
  const bareLog = options.log ?? createLogger(config.logLevel, undefined, config.logFormat);
  const source = new AccountsSource({
    environment: environmentAccounts(config.accounts.cookies, config.limits.inFlightPerAccount),
    file: config.accounts.file,
    defaultMaxInFlight: config.limits.inFlightPerAccount,
    debounceMs: config.accounts.reloadDebounceMs,
    log: bareLog,
  });
  // A bad accounts file stops the start here, naming every problem.
  const initialAccounts = source.readSync();
  // Whatever an unforeseen error quotes, no log line holds a cookie, a key or the webhook's address.
  const redisPassword = config.cluster ? redisSecrets(config.cluster.redisUrl) : [];
  const fixedSecrets = [
    ...[config.bing.proxy.httpsProxy, config.bing.proxy.httpProxy].flatMap((proxy) =>
      proxy ? proxySecrets(proxy) : [],
    ),
    ...keys.plain,
    ...adminKeys.plain,
    ...redisPassword,
    ...(config.accounts.webhookUrl ? [config.accounts.webhookUrl] : []),
  ];
  const accountSecrets = (specs: ReadonlyArray<{ cookie: string; proxy?: string | null | undefined }>) =>
    credentialSecrets(specs.map(({ cookie, proxy }) => ({ cookie, proxy: proxy ?? undefined })));
  // Every account the server starts with, the environment's (BING_COOKIE_U, BING_COOKIES) and the file's: an
  // environment account the file also names is left out of the list only when it is the very same cookie.
  let secrets: readonly string[] = [...fixedSecrets, ...accountSecrets(initialAccounts)];
  const log = withoutSecrets(bareLog, () => secrets);
  const limits = {
    perMinute: config.limits.perMinute,
    inFlightPerKey: config.limits.inFlightPerKey,
    subscriptionsPerKey: config.limits.subscriptionsPerKey,
    inFlight: Math.max(
      config.limits.inFlightPerAccount,
      initialAccounts.reduce((sum, account) => sum + account.maxInFlight, 0),
    ),
    queueMax: config.limits.queueMax,
  };
  // Cluster mode (REDIS_URL): tasks, events, generations and limits shared through Redis.
  const cluster = config.cluster && new Cluster({ ...config.cluster, limits, log });
  const store: TaskStore = options.store ?? cluster?.store ?? openStore(config);
  // MEDIA_MIRROR: every completed task's media copied to DATA_DIR/media, from the completion event on.
  const mirror = config.media.enabled
    ? new MediaMirror(
        { ...config.media, origin: config.bing.origin },
        store.media ?? new MemoryMediaIndex(),
        fetchMedia,
        log,
      )
    : undefined;
  const auth = new Authenticator(keys, config.auth.trustProxy, adminKeys);
  const observability = new Observability(config, auth, log);
  const sharedEvents = observability.events(options.events ?? cluster?.events ?? new LocalTaskEvents());
  const events = mirror ? mirror.watching(sharedEvents) : sharedEvents;
  const schedule = options.schedule ?? new LearnedSchedule(config.schedule);
  // No accounts of its own: every generation names its account, chosen by the pool.
  const client = new BingClient({
    ...config.bing,
    // The expected times scale with the simulator's clock (TIME_SCALE), as the schedule's priors do.
    pendingLimitMs: scaled(DEFAULT_PENDING_LIMIT_MS, config.schedule.timeScale),
    schedule,
  });
  // What the schedule learned is kept beside the tasks (shared through Redis in cluster mode).
  const timing =
    schedule instanceof LearnedSchedule && isScheduleStore(store)
      ? keepLearnedTiming(schedule, store, log, config.tasks.scheduleSaveDelayMs)
      : undefined;
  const webhook =
    config.accounts.webhookUrl === undefined
      ? undefined
      : new Webhook(config.accounts.webhookUrl, config.accounts.webhookTimeoutMs, log);
  const accounts = new AccountPool({ coolDown: config.accounts.coolDown, log, store, webhook });
  const generations = bingGenerations(client, accounts);
  const reloaded = () => {
    // Kept, not replaced: a removed account's cookie may still be in flight.
    const given = accounts.list().flatMap((account) => accounts.credentials(account.id) ?? []);
    secrets = [...new Set([...secrets, ...accountSecrets(given)])];
    // Every account, not only the new ones: a reload is also how an expired account is looked at again.
    void generations.checkSessions().catch(() => undefined);
  };
  const service = new TaskService(
    observability.generations(generations),
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
      media: mirror,
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
  const page = createPageHandler(log);
  const media = mirror && createMediaHandler(mirror, auth, config.http.cors, log);

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
    if (req.method !== 'OPTIONS' && isPagePath(path)) {
      page(req, res);
      return;
    }
    if (media && req.method !== 'OPTIONS' && path.startsWith(MEDIA_PREFIX)) {
      media(req, res);
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
    mirror,
    accounts,
    async reloadAccounts() {
      await source.reload(accounts, reloaded);
    },
    async start() {
      await cluster?.connect();
      await accounts.start(initialAccounts);
      source.watch(accounts, reloaded);
      await mirror?.start(
        async () => (await store.page({ first: config.media.catchUpTasks, status: 'COMPLETED' })).tasks,
      );
      await timing?.load();
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
      void generations.checkSessions().catch(() => undefined);
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
        source.close();
        await Promise.all([service.stop(), mirror?.stop()]);
        // Cut, not completed: a `complete` event would read as "the task finished".
        for (const stream of streams) stream.destroy();
        // server.close() only closed the connections idle at that moment; a response that ends later
        // leaves its keep-alive connection open for seconds unless it is closed as it goes idle.
        const idle = setInterval(() => server.closeIdleConnections(), 50);
        server.closeIdleConnections();
        await Promise.all([socketsClosed, closed]);
        clearInterval(idle);
        clearTimeout(force);
        await timing?.flush();
        accounts.close();
        webhook?.close();
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
