/**
 * Which proxy carries a request to Bing, and undici's ProxyAgent for each: an account's own proxy first,
 * else HTTPS_PROXY (https origins) or HTTP_PROXY, unless NO_PROXY names the host.
 */
import { ProxyAgent } from 'undici';

export interface ProxySettings {
  httpProxy?: string | undefined;
  httpsProxy?: string | undefined;
  /** Comma- or space-separated hosts (`example.com`, `.example.com`, `*.example.com`, `host:port`), or `*`. */
  noProxy?: string | undefined;
}

export interface ProxyConnection {
  connections: number;
  pipelining: number;
  keepAliveTimeout: number;
  headersTimeout: number;
  bodyTimeout: number;
}

/** Whether NO_PROXY exempts an origin. */
export function bypassesProxy(origin: string, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const url = new URL(origin);
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    const match = /^(?:\*?\.)?(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry);
    if (!match) continue;
    const name = match[1]!.replace(/^\[|\]$/g, '');
    if (match[2] && match[2] !== port) continue;
    if (host === name || host.endsWith(`.${name}`)) return true;
  }
  return false;
}

export class Proxies {
  readonly #settings: ProxySettings;
  readonly #connection: ProxyConnection;
  readonly #agents = new Map<string, ProxyAgent>();

  constructor(settings: ProxySettings, connection: ProxyConnection) {
    this.#settings = settings;
    this.#connection = connection;
  }

  /** The proxy URL a request to `origin` goes through, or null for a direct connection. */
  proxyFor(origin: string, accountProxy: string | undefined): string | null {
    if (accountProxy) return accountProxy;
    const { httpProxy, httpsProxy, noProxy } = this.#settings;
    const proxy = origin.startsWith('https:') ? (httpsProxy ?? httpProxy) : httpProxy;
    if (!proxy || bypassesProxy(origin, noProxy)) return null;
    return proxy;
  }

  dispatcher(proxy: string): ProxyAgent {
    let agent = this.#agents.get(proxy);
    if (!agent) {
      // Credentials in the URL become the Proxy-Authorization header; the tunnel is undici's.
      agent = new ProxyAgent({ uri: proxy, ...this.#connection });
      this.#agents.set(proxy, agent);
    }
    return agent;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#agents.values()].map((agent) => agent.close()));
  }

  async destroy(): Promise<void> {
    await Promise.all([...this.#agents.values()].map((agent) => agent.destroy()));
  }
}
