/**
 * The environment (and a `.env` file beside the process), read once into a typed, validated config.
 * Every problem is reported at once, by variable name, before anything starts.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/i;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `7d`, `12h`, `30m`, `45s`, `250ms`, or a bare number in the given unit. */
function duration(bareUnit: 'ms' | 's') {
  return z
    .string()
    .trim()
    .regex(DURATION, 'must be a duration such as 250ms, 30s, 15m, 12h or 7d')
    .transform((value) => {
      const [, amount, unit] = DURATION.exec(value) as RegExpExecArray;
      return Math.round(Number(amount) * (UNIT_MS[(unit ?? bareUnit).toLowerCase()] ?? 1));
    });
}

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'].includes(v), 'must be true or false')
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));
const list = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0),
);

/** Full cookie sets, one per account, separated by line breaks or `|`; each must hold the `_U` cookie. */
const cookieSets = z.string().transform((value, ctx) => {
  const sets = value
    .split(/[\r\n|]+/)
    .map((item) => item.trim().replace(/^cookie:\s*/i, ''))
    .filter((item) => item.length > 0);
  const bad = sets.findIndex((set) => !/(?:^|;)\s*_U=[^;\s]/.test(set));
  if (bad >= 0) {
    ctx.addIssue({
      code: 'custom',
      message: `cookie set ${bad + 1} holds no _U cookie: paste the whole Cookie header of a signed-in bing.com request`,
    });
    return z.NEVER;
  }
  return sets;
});

const proxyUrl = z
  .string()
  .trim()
  .url('must be a URL such as http://proxy.example:8080')
  .refine((value) => /^https?:$/.test(new URL(value).protocol), 'must be an http:// or https:// proxy URL');

const existingFile = z
  .string()
  .trim()
  .refine((file) => existsSync(file), 'names a file that does not exist');

/** Who may call from a browser: every origin (without credentials), or exactly these. */
export type CorsPolicy = { anyOrigin: true } | { anyOrigin: false; origins: readonly string[] };

function isOrigin(value: string): boolean {
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}

/** Every variable the server reads, with its default as written in the environment. */
export const ENV = z.object({
  PORT: int(0, 65_535).default(7860),
  HOST: z.string().trim().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Unset: pretty-printed on a terminal, JSON lines otherwise. */
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),

  BING_COOKIE_U: list.default(''),
  BING_COOKIES: cookieSets.default(''),
  HTTPS_PROXY: proxyUrl.optional(),
  HTTP_PROXY: proxyUrl.optional(),
  NO_PROXY: z.string().trim().optional(),
  BING_SESSION_TTL: duration('ms').default('30m'),
  BING_ACCOUNTS_FILE: existingFile.optional(),
  ACCOUNTS_RELOAD_DEBOUNCE: duration('ms').default('250ms'),
  ACCOUNT_COOLDOWN: duration('s').default('1m'),
  ACCOUNT_COOLDOWN_MAX: duration('s').default('6h'),
  ACCOUNT_WEBHOOK_URL: z
    .string()
    .trim()
    .url('must be a URL such as https://hooks.example/bing')
    .refine((value) => /^https?:$/.test(new URL(value).protocol), 'must be an http or https URL')
    .optional(),
  ACCOUNT_WEBHOOK_TIMEOUT: duration('ms').default('5s'),
  BING_ORIGIN: z
    .string()
    .trim()
    .url('must be a URL such as https://www.bing.com')
    .refine((value) => /^https?:$/.test(new URL(value).protocol), 'must be an http or https URL')
    .default('https://www.bing.com'),
  BING_CONNECTIONS: int(1, 1024).default(16),
  BING_REQUEST_TIMEOUT: duration('ms').default('30s'),
  IMAGE_DEADLINE: duration('ms').default('300s'),
  VIDEO_DEADLINE: duration('ms').default('15m'),
  VIDEO_STANDARD_DEADLINE: duration('ms').default('3h'),
  VIDEO_WARMUP_TTL: duration('ms').default('5m'),
  VIDEO_IMAGE_FETCH: z.enum(['bing', 'any']).default('bing'),
  VIDEO_IMAGE_FETCH_TIMEOUT: duration('ms').default('15s'),
  MAX_IMAGE_BYTES: int(1_024, 64 * 1024 * 1024).default(4 * 1024 * 1024),
  POLL_RETRIES: int(0, 20).default(4),
  POLL_RETRY_BASE: duration('ms').default('500ms'),
  POLL_RETRY_MAX: duration('ms').default('8s'),
  POLL_INTERVAL: duration('ms').default('950ms'),
  POLL_MAX_INTERVAL: duration('ms').default('10s'),
  POLL_LEARN_WINDOW: int(1, 10_000).default(64),
  TIME_SCALE: z.coerce.number().positive().max(100).default(1),

  TASK_STORE: z.enum(['sqlite', 'memory']).default('sqlite'),
  DATA_DIR: z.string().trim().min(1).default('./data'),
  TASK_TTL: duration('s').default('7d'),
  TASK_MAX: int(1).default(100_000),
  TASK_SWEEP_INTERVAL: duration('s').default('10m'),
  SHUTDOWN_TIMEOUT: duration('ms').default('10s'),

  API_KEYS: list.default(''),
  API_KEYS_FILE: existingFile.optional(),
  ADMIN_API_KEYS: list.default(''),
  ADMIN_API_KEYS_FILE: existingFile.optional(),
  TRUST_PROXY: z
    .string()
    .trim()
    .toLowerCase()
    .refine((v) => /^(true|false|\d+)$/.test(v), 'must be true, false, or the number of proxies in front of the server')
    .transform((v) => (v === 'true' ? 1 : v === 'false' ? 0 : Number(v)))
    .default('false'),
  RATE_LIMIT_PER_MINUTE: int(1, 1_000_000).default(30),
  MAX_IN_FLIGHT_PER_KEY: int(1, 1_000_000).default(10),
  MAX_SUBSCRIPTIONS_PER_KEY: int(1, 1_000_000).default(200),
  BING_MAX_IN_FLIGHT: int(1, 100_000).default(4),
  QUEUE_MAX: int(0, 1_000_000).default(100),
  GRAPHQL_MAX_DEPTH: int(1, 1_000).default(12),
  GRAPHQL_MAX_ALIASES: int(0, 1_000).default(15),
  GRAPHQL_MAX_TOKENS: int(10, 100_000).default(2_000),
  GRAPHQL_MAX_DIRECTIVES: int(0, 1_000).default(20),
  CSRF_PREVENTION: bool.default('true'),

  CORS_ORIGIN: z
    .string()
    .trim()
    .transform((value, ctx): CorsPolicy => {
      if (value === '*') return { anyOrigin: true };
      const origins = value
        .split(',')
        .map((item) => item.trim().replace(/\/+$/, ''))
        .filter((item) => item.length > 0);
      const bad = origins.find((item) => !isOrigin(item));
      if (origins.length === 0 || bad !== undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `must be * or a comma-separated list of origins such as https://app.example${bad ? ` (not ${bad})` : ''}`,
        });
        return z.NEVER;
      }
      return { anyOrigin: false, origins };
    })
    .default('*'),
  GRAPHQL_INTROSPECTION: bool.default('true'),
  MAX_PROMPT_LENGTH: int(1, 100_000).default(480),
  MAX_BODY_SIZE: int(1_024).default(102_400),
  SIMULATOR: bool.default('false'),

  REDIS_URL: z
    .string()
    .trim()
    .url('must be a URL such as redis://127.0.0.1:6379')
    .refine((value) => /^rediss?:$/.test(new URL(value).protocol), 'must be a redis:// or rediss:// URL')
    .optional(),
  REDIS_PREFIX: z
    .string()
    .trim()
    .regex(/^[\w.-]{1,64}$/, 'must be letters, digits, ".", "-" or "_"')
    .default('bic'),
  JOB_LOCK_DURATION: duration('ms').default('30s'),

  MEDIA_MIRROR: bool.default('false'),
  MEDIA_MAX_FILE_BYTES: int(1_024).default(256 * 1024 * 1024),
  MEDIA_MAX_TOTAL_BYTES: int(1_024).default(10 * 1024 * 1024 * 1024),
  MEDIA_FETCH_TIMEOUT: duration('ms').default('2m'),
  MEDIA_RETRIES: int(0, 20).default(3),
  MEDIA_RETRY_BASE: duration('ms').default('5s'),
});

export type Config = ReturnType<typeof configFrom>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The validated config of an environment; throws a ConfigError that lists every problem. */
export function configFrom(source: Record<string, string | undefined>) {
  const defined = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ''));
  // The proxy variables are also read in lower case, as curl and most tools do.
  for (const name of ['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY']) {
    const lower = source[name.toLowerCase()];
    if (defined[name] === undefined && lower !== undefined && lower !== '') defined[name] = lower;
  }
  const parsed = ENV.safeParse(defined);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`The configuration is not valid:\n${problems.join('\n')}`);
  }
  const e = parsed.data;
  const conflicts = [
    e.MEDIA_MIRROR && e.REDIS_URL !== undefined
      ? "  MEDIA_MIRROR: the media mirror keeps files on one instance's disk and is not available in cluster mode (REDIS_URL is set)"
      : undefined,
    e.MEDIA_MAX_FILE_BYTES > e.MEDIA_MAX_TOTAL_BYTES
      ? '  MEDIA_MAX_FILE_BYTES: must not be larger than MEDIA_MAX_TOTAL_BYTES'
      : undefined,
  ].filter((problem) => problem !== undefined);
  if (conflicts.length > 0) throw new ConfigError(`The configuration is not valid:\n${conflicts.join('\n')}`);
  const keysConfigured = e.API_KEYS.length > 0 || e.API_KEYS_FILE !== undefined;
  return {
    port: e.PORT,
    /** Without API keys the server stays on loopback unless HOST says otherwise. */
    host: e.HOST ?? (keysConfigured ? '0.0.0.0' : '127.0.0.1'),
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    bing: {
      origin: e.BING_ORIGIN.replace(/\/+$/, ''),
      proxy: { httpsProxy: e.HTTPS_PROXY, httpProxy: e.HTTP_PROXY, noProxy: e.NO_PROXY },
      sessionTtlMs: e.BING_SESSION_TTL,
      connections: e.BING_CONNECTIONS,
      requestTimeoutMs: e.BING_REQUEST_TIMEOUT,
      imageDeadlineMs: e.IMAGE_DEADLINE,
      videoDeadlineMs: e.VIDEO_DEADLINE,
      videoStandardDeadlineMs: e.VIDEO_STANDARD_DEADLINE,
      videoWarmUpTtlMs: e.VIDEO_WARMUP_TTL,
      pollRetries: e.POLL_RETRIES,
      retryBaseMs: e.POLL_RETRY_BASE,
      retryMaxMs: e.POLL_RETRY_MAX,
      /** The largest Bing answer read; a bigger one is an UPSTREAM error. */
      maxBodyBytes: 5 * 1024 * 1024,
    },
    accounts: {
      /** BING_COOKIE_U (`_U` values) and BING_COOKIES (full cookie sets): unlabelled accounts. Never logged. */
      cookies: [...e.BING_COOKIE_U, ...e.BING_COOKIES],
      file: e.BING_ACCOUNTS_FILE,
      reloadDebounceMs: e.ACCOUNTS_RELOAD_DEBOUNCE,
      coolDown: { baseMs: e.ACCOUNT_COOLDOWN, maxMs: Math.max(e.ACCOUNT_COOLDOWN, e.ACCOUNT_COOLDOWN_MAX) },
      webhookUrl: e.ACCOUNT_WEBHOOK_URL,
      webhookTimeoutMs: e.ACCOUNT_WEBHOOK_TIMEOUT,
    },
    schedule: {
      timeScale: e.TIME_SCALE,
      intervalMs: e.POLL_INTERVAL,
      maxIntervalMs: e.POLL_MAX_INTERVAL,
      window: e.POLL_LEARN_WINDOW,
    },
    videoImage: {
      fetch: e.VIDEO_IMAGE_FETCH,
      fetchTimeoutMs: e.VIDEO_IMAGE_FETCH_TIMEOUT,
      maxBytes: e.MAX_IMAGE_BYTES,
    },
    tasks: {
      store: e.TASK_STORE,
      dataDir: e.DATA_DIR,
      ttlMs: e.TASK_TTL,
      max: e.TASK_MAX,
      sweepIntervalMs: e.TASK_SWEEP_INTERVAL,
      /** The learned poll timing is saved this long after a result changed it (one write per burst). */
      scheduleSaveDelayMs: 1_000,
    },
    http: {
      cors: e.CORS_ORIGIN,
      introspection: e.GRAPHQL_INTROSPECTION,
      maxBodyBytes: e.MAX_BODY_SIZE,
    },
    auth: {
      keys: e.API_KEYS,
      keysFile: e.API_KEYS_FILE,
      /** Keys of the admin view (the accounts); without any, it is open to loopback callers only. */
      adminKeys: e.ADMIN_API_KEYS,
      adminKeysFile: e.ADMIN_API_KEYS_FILE,
      trustProxy: e.TRUST_PROXY,
    },
    limits: {
      maxPromptLength: e.MAX_PROMPT_LENGTH,
      perMinute: e.RATE_LIMIT_PER_MINUTE,
      inFlightPerKey: e.MAX_IN_FLIGHT_PER_KEY,
      subscriptionsPerKey: e.MAX_SUBSCRIPTIONS_PER_KEY,
      inFlightPerAccount: e.BING_MAX_IN_FLIGHT,
      queueMax: e.QUEUE_MAX,
    },
    graphql: {
      maxDepth: e.GRAPHQL_MAX_DEPTH,
      maxAliases: e.GRAPHQL_MAX_ALIASES,
      maxTokens: e.GRAPHQL_MAX_TOKENS,
      maxDirectives: e.GRAPHQL_MAX_DIRECTIVES,
      csrfPrevention: e.CSRF_PREVENTION,
    },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT,
    /** Cluster mode: set when REDIS_URL is; every instance on the same Redis and prefix shares the work. */
    cluster:
      e.REDIS_URL === undefined
        ? undefined
        : { redisUrl: e.REDIS_URL, prefix: e.REDIS_PREFIX, lockMs: e.JOB_LOCK_DURATION },
    /** MEDIA_MIRROR: each finished image and video copied once into `<DATA_DIR>/media` and served at /media/<name>. */
    media: {
      enabled: e.MEDIA_MIRROR,
      dir: join(e.DATA_DIR, 'media'),
      maxFileBytes: e.MEDIA_MAX_FILE_BYTES,
      maxTotalBytes: e.MEDIA_MAX_TOTAL_BYTES,
      fetchTimeoutMs: e.MEDIA_FETCH_TIMEOUT,
      retries: e.MEDIA_RETRIES,
      retryBaseMs: e.MEDIA_RETRY_BASE,
      /** The longest wait between two tries, whatever MEDIA_RETRY_BASE and the count. */
      maxRetryWaitMs: 10 * 60_000,
      /** Tasks mirrored at once (each one's files one after the other); the rest wait their turn. */
      concurrency: 2,
      /** At start, the newest completed tasks (at most this many, completed this recently) are caught up. */
      catchUpTasks: 100,
      catchUpMs: 60 * 60_000,
    },
    /** The upstream is the project's own Bing simulator (npm run demo). */
    simulator: e.SIMULATOR,
  };
}

/** Reads `.env` (when present; the environment wins) and then the environment. */
export function loadConfig(envFile = '.env'): Config {
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  return configFrom(process.env);
}

/** The config of an empty environment: every default, in the one place they are written. */
export function defaults(): Config {
  return configFrom({});
}
