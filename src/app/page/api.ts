/**
 * The page's way to the server: queries and mutations as JSON POSTs to /graphql, subscriptions over
 * graphql-ws on the same path, both with the API key the visitor saved (the project's `Authorization:
 * Bearer` header; the WebSocket carries it in `connection_init`).
 */
import { type Client, createClient } from 'graphql-ws/client';

const KEY_STORAGE = 'bing-image-creator.api-key';
const ENDPOINT = '/graphql';

/** A failure told in words, with the server's code when it gave one. */
export class ApiError extends Error {
  readonly code: string;
  constructor(message: string, code: string) {
    super(message);
    this.code = code;
  }
}

export interface Sink<T> {
  next(value: T): void;
  error(error: ApiError): void;
  complete(): void;
}

interface GraphQLErrorLike {
  message?: string;
  extensions?: { code?: unknown };
}

function fromErrors(errors: readonly GraphQLErrorLike[]): ApiError {
  const first = errors[0] ?? {};
  const code = typeof first.extensions?.code === 'string' ? first.extensions.code : 'GRAPHQL_ERROR';
  return new ApiError(first.message ?? 'The server answered with an error.', code);
}

/** What graphql-ws hands a sink's `error`: an Error, a CloseEvent, or the operation's GraphQL errors. */
function fromSocketFailure(failure: unknown): ApiError {
  if (Array.isArray(failure)) return fromErrors(failure as GraphQLErrorLike[]);
  if (failure instanceof CloseEvent) {
    if (failure.code === 4401) return new ApiError('An API key is required.', 'UNAUTHENTICATED');
    if (failure.code === 4403) return new ApiError('The API key is not valid.', 'UNAUTHENTICATED');
    if (failure.code === 1001) return new ApiError('The server is restarting.', 'CONNECTION');
    return new ApiError(
      `The live connection closed${failure.reason ? `: ${failure.reason}` : ''} (code ${failure.code}).`,
      'CONNECTION',
    );
  }
  if (failure instanceof Error) return new ApiError(failure.message, 'CONNECTION');
  return new ApiError('The live connection to the server failed.', 'CONNECTION');
}

export class Api {
  #key: string | null;
  #socket: Client | undefined;

  constructor() {
    this.#key = readKey();
  }

  get key(): string | null {
    return this.#key;
  }

  /** Saves (or with null forgets) the key; live subscriptions reconnect with it. */
  setKey(key: string | null): void {
    this.#key = key?.trim() || null;
    try {
      if (this.#key) localStorage.setItem(KEY_STORAGE, this.#key);
      else localStorage.removeItem(KEY_STORAGE);
    } catch {
      // Storage can be off (private windows, policies): the key then lasts as long as the page.
    }
    void this.#socket?.dispose();
    this.#socket = undefined;
  }

  async request<T>(query: string, variables: Record<string, unknown>, timeoutMs: number): Promise<T> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
    };
    if (this.#key) headers['authorization'] = `Bearer ${this.#key}`;
    let response: Response;
    try {
      response = await fetch(ENDPOINT, {
        method: 'POST',
        headers,
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      if (error instanceof DOMException && error.name === 'TimeoutError')
        throw new ApiError(`The server did not answer within ${Math.round(timeoutMs / 1000)} s.`, 'TIMEOUT');
      throw new ApiError('The server could not be reached.', 'CONNECTION');
    }
    let body: { data?: T | null; errors?: GraphQLErrorLike[] };
    try {
      body = (await response.json()) as typeof body;
    } catch {
      throw new ApiError(`The server answered ${response.status} without a GraphQL result.`, 'HTTP');
    }
    if (body.errors?.length) throw fromErrors(body.errors);
    if (!body.data) throw new ApiError(`The server answered ${response.status} without data.`, 'HTTP');
    return body.data;
  }

  /** Subscribes; the returned function ends the subscription. */
  subscribe<T>(query: string, variables: Record<string, unknown>, sink: Sink<T>): () => void {
    this.#socket ??= this.#connect();
    return this.#socket.subscribe<T>(
      { query, variables },
      {
        next: (result) => {
          if (result.errors?.length) sink.error(fromErrors(result.errors));
          else if (result.data) sink.next(result.data);
        },
        error: (failure) => sink.error(fromSocketFailure(failure)),
        complete: () => sink.complete(),
      },
    );
  }

  #connect(): Client {
    const key = this.#key;
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${ENDPOINT}`;
    return createClient({
      url,
      connectionParams: key ? { authorization: `Bearer ${key}` } : {},
      // Closed once nothing is subscribed, so an idle page holds no socket.
      lazy: true,
      lazyCloseTimeout: 5_000,
      retryAttempts: 5,
    });
  }
}

function readKey(): string | null {
  try {
    return localStorage.getItem(KEY_STORAGE);
  } catch {
    return null;
  }
}
