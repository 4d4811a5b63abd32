/**
 * The CLI's connection to a running server: GraphQL over HTTP for operations, graphql-ws for following a
 * task. The API key goes in the Authorization header (and the socket's connection_init), never in output.
 */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { CliFailure } from './failure.js';

export interface ServerOptions {
  url: string;
  apiKey?: string | undefined;
  /** Per request; a generation's wait is bounded by the server's own deadlines. */
  timeoutMs?: number;
}

interface GraphQLAnswer<T> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

function headers(options: ServerOptions): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: 'application/graphql-response+json, application/json',
    ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
  };
}

/** Runs one operation; GraphQL errors and unreachable servers become CliFailures. */
export async function graphql<T>(options: ServerOptions, query: string, variables?: Record<string, unknown>) {
  let response: Response;
  try {
    response = await fetch(new URL('/graphql', options.url), {
      method: 'POST',
      headers: headers(options),
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 15 * 60_000),
    });
  } catch (error) {
    const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : '';
    throw new CliFailure('UNAVAILABLE', `The server at ${options.url} cannot be reached (${reason}).`);
  }
  let answer: GraphQLAnswer<T>;
  try {
    answer = (await response.json()) as GraphQLAnswer<T>;
  } catch {
    throw new CliFailure('SERVER', `The server answered HTTP ${response.status} without a GraphQL answer.`);
  }
  const first = answer.errors?.[0];
  if (first) throw new CliFailure(first.extensions?.code ?? 'SERVER', first.message);
  if (!answer.data) throw new CliFailure('SERVER', `The server answered HTTP ${response.status} without data.`);
  return answer.data;
}

/**
 * Every state of `field(id)` until it completes; `onNext` sees each. Rejects when the socket cannot be
 * opened or fails, so the caller can fall back to polling.
 */
export function follow<T>(
  options: ServerOptions,
  query: string,
  variables: Record<string, unknown>,
  onNext: (data: T) => void,
): Promise<void> {
  const client = createClient({
    url: new URL('/graphql', options.url).toString().replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    connectionParams: options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {},
  });
  return new Promise<void>((resolve, reject) => {
    client.subscribe<T>(
      { query, variables },
      {
        next: (result) => {
          const first = result.errors?.[0] as { message: string; extensions?: { code?: string } } | undefined;
          if (first) reject(new CliFailure(first.extensions?.code ?? 'SERVER', first.message));
          else if (result.data) onNext(result.data as T);
        },
        error: (error) =>
          reject(
            error instanceof Error
              ? error
              : new Error(`the subscription socket closed (${(error as { code?: number }).code ?? 'no code'})`),
          ),
        complete: () => resolve(),
      },
    );
  }).finally(() => client.dispose());
}
