/**
 * graphql-ws on the same server and path as Yoga. Operations go through `yoga.getEnveloped`, so every
 * Yoga plugin (validation rules, limits, masking, auth) applies to WebSocket operations as well.
 *
 * The sockets are wired to graphql-ws here rather than by its `useServer`, which treats what clients get
 * wrong as internal errors: a bad frame or a message only a server may send was written to the console
 * with its stack and closed with 4500 and the error's own message.
 */
import type { IncomingMessage, Server } from 'node:http';
import { GraphQLError, type DocumentNode, type ExecutionArgs } from 'graphql';
import { CloseCode, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Authenticator } from './auth/caller.js';
import type { Logger } from './log.js';
import { refuseOnSocket } from './http/malformed.js';
import type { Yoga } from './yoga.js';

export interface GraphQLWebSocket {
  wss: WebSocketServer;
  /** Closes every socket with `code` (1001: going away) and stops the server. */
  close(code?: number, reason?: string): Promise<void>;
}

const HEARTBEAT_MS = 30_000;

type Operation = (args: ExecutionArgs) => ReturnType<NonNullable<ServerOptions['execute']>>;

interface Enveloped {
  execute: Operation;
  subscribe: Operation;
}

/** Messages graphql-ws accepts from a client only to throw on them: they belong to the server. */
const SERVER_MESSAGES = /^\s*\{[\s\S]*"type"\s*:\s*"(?:connection_ack|next|error)"/;

function sentByServerOnly(text: string): boolean {
  if (!SERVER_MESSAGES.test(text)) return false;
  try {
    const type = (JSON.parse(text) as { type?: unknown }).type;
    return type === 'connection_ack' || type === 'next' || type === 'error';
  } catch {
    return false;
  }
}

/** A GraphQL error thrown while preparing an operation is the caller's to read; anything else is ours. */
function asErrors(error: unknown): GraphQLError[] {
  if (error instanceof GraphQLError) return [error];
  throw error;
}

export function attachGraphQLWebSocket(
  server: Server,
  yoga: Yoga,
  auth: Authenticator,
  maxPayload: number,
  log: Logger,
): GraphQLWebSocket {
  // The upgrades are routed here rather than by ws, so that a refused handshake answers in the error envelope.
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload,
    handleProtocols: (protocols) => handleProtocols(protocols),
  });
  server.on('upgrade', (req, socket, head) => {
    if (req.url?.split('?')[0] !== yoga.graphqlEndpoint) {
      refuseOnSocket(socket, 404, `Not found: WebSockets are served at ${yoga.graphqlEndpoint} only.`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (socket) => wss.emit('connection', socket, req));
  });
  wss.on('wsClientError', (error, socket) => {
    refuseOnSocket(
      socket,
      error.message === 'Invalid HTTP method' ? 405 : 400,
      `The WebSocket handshake is not valid: ${error.message}.`,
    );
  });

  const graphqlWs = makeServer<Record<string, unknown> | undefined, { socket: WebSocket; request: IncomingMessage }>({
    // graphql-ws's codes: 4401 when no key came with connection_init, 4403 when the key is wrong.
    onConnect: (ctx) => {
      const request = ctx.extra.request;
      const authentication = auth.fromConnection(ctx.connectionParams, request.headers, request.socket.remoteAddress);
      if (authentication.ok) return true;
      if (authentication.reason === 'missing') ctx.extra.socket.close(CloseCode.Unauthorized, 'Unauthorized');
      return false;
    },
    execute: (args) => (args.rootValue as Enveloped).execute(args),
    subscribe: (args) => (args.rootValue as Enveloped).subscribe(args),
    onSubscribe: async (ctx, _id, params) => {
      const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
        ...ctx,
        req: ctx.extra.request,
        socket: ctx.extra.socket,
        connectionParams: ctx.connectionParams,
        params,
      });
      // Parsing, validation (GraphQL Armor's limits throw rather than return) and authentication fail with
      // GraphQL errors: the caller's, answered as an error message for this operation.
      let document: DocumentNode;
      let contextValue: unknown;
      try {
        document = parse(params.query);
        const errors = validate(schema, document);
        if (errors.length) return errors;
        contextValue = await contextFactory();
      } catch (error) {
        return asErrors(error);
      }
      return {
        schema,
        operationName: params.operationName,
        document,
        variableValues: params.variables,
        contextValue,
        rootValue: { execute, subscribe },
      } satisfies ExecutionArgs;
    },
  });

  wss.on('connection', (socket, request) => {
    // ws reports a client's bad frame (or an oversized message) after it has closed with the right code (1002, 1007, 1009).
    socket.on('error', () => undefined);
    const closed = graphqlWs.opened(
      {
        protocol: socket.protocol,
        // A send to a client that has gone is nothing to fail an operation over: its close ends it.
        send: (data) =>
          new Promise<void>((resolve) =>
            socket.readyState === socket.OPEN ? socket.send(data, () => resolve()) : resolve(),
          ),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', (data) => {
            const text = String(data);
            if (sentByServerOnly(text)) {
              socket.close(CloseCode.BadRequest, 'Invalid message received');
              return;
            }
            handle(text).catch((error: unknown) => {
              log.error({ err: error }, 'a WebSocket operation failed unexpectedly');
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            });
          }),
      },
      { socket, request },
    );
    socket.once('close', (code, reason) => {
      closed(code, String(reason)).catch((error: unknown) =>
        log.error({ err: error }, 'a WebSocket could not be cleaned up'),
      );
    });
  });

  // Dead peers never send a close frame; without a ping their subscriptions would be held forever.
  const alive = new WeakSet<WebSocket>();
  wss.on('connection', (socket) => {
    alive.add(socket);
    socket.on('pong', () => alive.add(socket));
  });
  const heartbeat = setInterval(() => {
    for (const socket of wss.clients) {
      if (!alive.has(socket)) {
        socket.terminate();
        continue;
      }
      alive.delete(socket);
      socket.ping();
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();

  return {
    wss,
    close: (code = 1001, reason = 'Server is stopping') =>
      new Promise<void>((resolve) => {
        clearInterval(heartbeat);
        for (const socket of wss.clients) socket.close(code, reason);
        wss.close(() => resolve());
      }),
  };
}
