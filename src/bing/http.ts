/**
 * The connections to Bing (one pool, or the proxy agents that carry requests through a proxy), and a
 * request that always ends: a deadline per request, a bounded body, and failures turned into BingErrors.
 * The cookie is added here and goes nowhere else.
 */
import { Pool, type Dispatcher, type FormData } from 'undici';
import { proxyName } from './cookies.js';
import { BingError } from './errors.js';
import { Proxies, type ProxySettings } from './proxy.js';

const BROWSER_HEADERS = {
  'user-agent':
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8',
  'accept-language': 'en-US,en;q=0.9',
};

export interface BingHttpOptions {
  origin: string;
  /** Upper bound on sockets to Bing, whatever the load. */
  connections: number;
  /** Deadline of one request, headers and body together. */
  requestTimeoutMs: number;
  /** Bodies larger than this are refused as unparseable. */
  maxBodyBytes: number;
  /** HTTPS_PROXY / HTTP_PROXY / NO_PROXY, for every account without a proxy of its own. */
  proxy?: ProxySettings | undefined;
}

export interface BingRequest {
  method: 'GET' | 'POST';
  url: URL;
  /** The whole `Cookie:` header value. */
  cookie: string;
  /** The account's own proxy, if it has one. */
  proxy?: string | undefined;
  /** A form body; sent as application/x-www-form-urlencoded. */
  form?: string;
  /** A multipart body (the image upload); takes the place of `form`. */
  multipart?: FormData;
  referer?: string;
  signal?: AbortSignal | undefined;
}

export interface BingResponse {
  status: number;
  location: string | null;
  retryAfterSeconds: number | undefined;
  body: string;
  /** The cookies the answer set (`Set-Cookie`), by name. */
  cookies: Record<string, string>;
}

function setCookies(value: string | string[] | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const line of Array.isArray(value) ? value : value ? [value] : []) {
    const pair = line.split(';', 1)[0] ?? '';
    const eq = pair.indexOf('=');
    if (eq > 0) cookies[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return cookies;
}

function retryAfter(value: string | string[] | undefined): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

export class BingHttp {
  readonly origin: string;
  readonly #pool: Pool;
  readonly #proxies: Proxies;
  readonly #options: BingHttpOptions;
  #connected = 0;
  #peakConnected = 0;

  constructor(options: BingHttpOptions) {
    this.#options = options;
    this.origin = new URL(options.origin).origin;
    const connection = {
      connections: options.connections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      headersTimeout: options.requestTimeoutMs,
      bodyTimeout: options.requestTimeoutMs,
    };
    this.#pool = new Pool(this.origin, connection);
    this.#proxies = new Proxies(options.proxy ?? {}, connection);
    this.#pool.on('connect', () => {
      this.#connected += 1;
      this.#peakConnected = Math.max(this.#peakConnected, this.#connected);
    });
    this.#pool.on('disconnect', () => {
      this.#connected -= 1;
    });
  }

  /** Sockets open to Bing now, and the most ever open at once. */
  connections(): { open: number; peak: number; limit: number } {
    return { open: this.#connected, peak: this.#peakConnected, limit: this.#options.connections };
  }

  async send(request: BingRequest): Promise<BingResponse> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.#options.requestTimeoutMs);
    const forward = (): void => controller.abort();
    request.signal?.addEventListener('abort', forward, { once: true });
    let via: string | null = null;
    try {
      request.signal?.throwIfAborted();
      const headers: Record<string, string> = {
        ...BROWSER_HEADERS,
        cookie: request.cookie,
        origin: this.origin,
        referer: request.referer ?? `${this.origin}/images/create`,
      };
      if (request.form !== undefined && request.multipart === undefined)
        headers['content-type'] = 'application/x-www-form-urlencoded';
      const proxy = this.#proxies.proxyFor(this.origin, request.proxy);
      const dispatcher: Dispatcher = proxy ? this.#proxies.dispatcher(proxy) : this.#pool;
      via = proxy;
      const response = await dispatcher.request({
        origin: this.origin,
        method: request.method,
        path: request.url.pathname + request.url.search,
        headers,
        body: request.multipart ?? request.form,
        signal: controller.signal,
      });
      const body = await this.#readBody(response.body);
      const location = response.headers['location'];
      return {
        status: response.statusCode,
        location: (Array.isArray(location) ? location[0] : location) ?? null,
        retryAfterSeconds: retryAfter(response.headers['retry-after']),
        body,
        cookies: setCookies(response.headers['set-cookie']),
      };
    } catch (error) {
      if (request.signal?.aborted) throw request.signal.reason;
      if (error instanceof BingError) throw error;
      if (controller.signal.aborted || isTimeout(error)) {
        throw new BingError(
          'TIMEOUT',
          `Bing did not answer within ${Math.round(this.#options.requestTimeoutMs / 1000)} s.`,
          { retryable: true },
        );
      }
      if (via) throw proxyFailure(via, error);
      throw new BingError('UPSTREAM', 'Bing could not be reached, or it closed the connection.', {
        retryable: true,
      });
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', forward);
    }
  }

  async #readBody(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += chunk.length;
      if (size > this.#options.maxBodyBytes) {
        body.destroy();
        throw new BingError('UPSTREAM', 'Bing answered with a body too large to be a real answer.', {
          retryable: true,
        });
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  close(): Promise<void> {
    return Promise.all([this.#pool.close(), this.#proxies.close()]).then(() => undefined);
  }

  destroy(): Promise<void> {
    return Promise.all([this.#pool.destroy(), this.#proxies.destroy()]).then(() => undefined);
  }
}

/** A request through a proxy that failed before Bing answered: the proxy is named (never its credentials). */
function proxyFailure(proxy: string, error: unknown): BingError {
  const message = error instanceof Error ? error.message : '';
  const code = (error as { code?: unknown } | null)?.code;
  const status = /Proxy response \((\d{3})\)/.exec(message)?.[1];
  const what = status
    ? `refused to carry the request to Bing (HTTP ${status})`
    : code === 'ECONNREFUSED'
      ? 'refused the connection'
      : typeof code === 'string' && /^(ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT)$/.test(code)
        ? 'could not be reached'
        : null;
  const text = what
    ? `The proxy ${proxyName(proxy)} ${what}; Bing was not reached.`
    : `Bing could not be reached through the proxy ${proxyName(proxy)}, or the connection was closed.`;
  return new BingError('UPSTREAM', text, { retryable: true });
}

function isTimeout(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT';
}
