/**
 * Everything a client could see and everything the server wrote: every answer (status, headers, body)
 * over REST, GraphQL over HTTP, SSE and WebSocket, and every console line, so a test can search it all
 * for secrets. The calls record what they got and return it.
 */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

export interface Entry {
  where: string;
  text: string;
}

export interface HttpAnswer {
  status: number;
  text: string;
  json: any;
}

const DEADLINE_MS = 15_000;

export class Transcript {
  readonly entries: Entry[] = [];

  add(where: string, text: string): void {
    this.entries.push({ where, text });
  }

  /** One HTTP exchange, recorded whole: status, every header, the body. */
  async http(base: string, path: string, init: RequestInit = {}): Promise<HttpAnswer> {
    const response = await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(DEADLINE_MS) });
    const text = await response.text();
    const where = `${init.method ?? 'GET'} ${path.slice(0, 80)}`;
    this.add(where, `${response.status} ${JSON.stringify([...response.headers])}\n${text}`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, text, json };
  }

  rest(
    base: string,
    method: string,
    path: string,
    json?: unknown,
    headers: Record<string, string> = {},
  ): Promise<HttpAnswer> {
    return this.http(base, path, {
      method,
      headers: { ...(json === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });
  }

  graphql(
    base: string,
    query: string,
    variables: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ): Promise<HttpAnswer> {
    return this.http(base, '/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
  }

  /** A GraphQL operation over SSE, read to its end. */
  sse(
    base: string,
    query: string,
    variables: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ): Promise<HttpAnswer> {
    return this.http(base, '/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
      body: JSON.stringify({ query, variables }),
    });
  }

  /**
   * A GraphQL operation over graphql-ws, followed to its end: every result, and the close if the server
   * closed the connection. Resolves with the results.
   */
  async ws(
    base: string,
    query: string,
    variables: Record<string, unknown>,
    connectionParams: Record<string, unknown> | undefined,
    headers: Record<string, string> = {},
  ): Promise<unknown[]> {
    const where = `WS ${query.slice(0, 60)}`;
    const results: unknown[] = [];
    const client = createClient({
      url: `${base.replace('http', 'ws')}/graphql`,
      connectionParams,
      retryAttempts: 0,
      lazy: true,
      webSocketImpl: class extends WebSocket {
        constructor(address: string, protocols?: string | string[]) {
          super(address, protocols, { headers });
        }
      },
      on: {
        closed: (event) => {
          const { code, reason } = event as { code?: number; reason?: string };
          this.add(`${where} (closed)`, `${code} ${reason}`);
        },
      },
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        (async () => {
          try {
            for await (const result of client.iterate({ query, variables })) {
              results.push(result);
              this.add(where, JSON.stringify(result));
            }
          } catch (error) {
            this.add(
              `${where} (error)`,
              error instanceof Error ? `${error.message}\n${error.stack}` : JSON.stringify(error),
            );
          }
        })(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`${where} did not end within ${DEADLINE_MS} ms`)), DEADLINE_MS);
        }),
      ]);
    } finally {
      clearTimeout(timer);
      await client.dispose();
    }
    return results;
  }

  /** Every entry that holds one of the secrets, with where it was seen. */
  leaks(secrets: readonly string[]): string[] {
    const found: string[] = [];
    for (const { where, text } of this.entries) {
      for (const secret of secrets) {
        const at = text.indexOf(secret);
        if (at >= 0) found.push(`${where}: …${text.slice(Math.max(0, at - 80), at + secret.length + 40)}…`);
      }
    }
    return found;
  }
}
