/**
 * The one connection pool to Bing, and a request that always ends: a deadline per request, a bounded body,
 * and failures turned into BingErrors. The cookie is added here and goes nowhere else.
 */
import { type Dispatcher, Pool, ProxyAgent, type FormData } from 'undici';
import { BingError } from './errors.js';

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
}

export interface BingRequest {
  method: 'GET' | 'POST';
  url: URL;
  /** The `_U` value alone, or a whole `Cookie:` header value (anything with `=` in it). */
  cookie: string;
  /** The account's own proxy: the request goes through it instead of the shared pool. */
  proxy?: string | null | undefined;
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
  readonly #options: BingHttpOptions;
  #connected = 0;
  #peakConnected = 0;

  constructor(options: BingHttpOptions) {
    this.#options = options;
    this.origin = new URL(options.origin).origin;
    this.#pool = new Pool(this.origin, {
      connections: options.connections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      headersTimeout: options.requestTimeoutMs,
      bodyTimeout: options.requestTimeoutMs,
    });
    this.#pool.on('connect', () => {
      this.#connected += 1;
      this.#peakConnected = Math.max(this.#peakConnected, this.#connected);
    });
    this.#pool.on('disconnect', () => {
      this.#connected -= 1;
    });
  }

  readonly #proxies = new Map<string, Dispatcher>();

  #proxied(proxy: string): Dispatcher {
    let agent = this.#proxies.get(proxy);
    if (!agent) {
      agent = new ProxyAgent({ uri: proxy, connections: this.#options.connections });
      this.#proxies.set(proxy, agent);
    }
    return agent;
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
    try {
      request.signal?.throwIfAborted();
      const headers: Record<string, string> = {
        ...BROWSER_HEADERS,
        cookie: request.cookie.includes('=') ? request.cookie : `_U=${request.cookie}`,
        origin: this.origin,
        referer: request.referer ?? `${this.origin}/images/create`,
      };
      if (request.form !== undefined && request.multipart === undefined)
        headers['content-type'] = 'application/x-www-form-urlencoded';
      const through = request.proxy ? this.#proxied(request.proxy) : undefined;
      const response = await (through ?? this.#pool).request({
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

  async close(): Promise<void> {
    await Promise.all([this.#pool.close(), ...[...this.#proxies.values()].map((agent) => agent.close())]);
  }

  async destroy(): Promise<void> {
    await Promise.all([this.#pool.destroy(), ...[...this.#proxies.values()].map((agent) => agent.destroy())]);
  }
}

function isTimeout(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT';
}
