/**
 * graphql-ws on the same server and path as Yoga. Operations go through `yoga.getEnveloped`, so every
 * Yoga plugin (validation rules, limits, masking, auth) applies to WebSocket operations as well.
 */
import type { Server } from 'node:http';
import type { ExecutionArgs } from 'graphql';
import type { ServerOptions } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Authenticator } from './auth/caller.js';
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

export function attachGraphQLWebSocket(server: Server, yoga: Yoga, auth: Authenticator, maxPayload: number): GraphQLWebSocket {
  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint, maxPayload });

  useServer(
    {
      // graphql-ws's codes: 4401 when no key came with connection_init, 4403 when the key is wrong.
      onConnect: (ctx) => {
        const request = ctx.extra.request;
        const authentication = auth.fromConnection(ctx.connectionParams, request.headers, request.socket.remoteAddress);
        if (authentication.ok) return true;
        if (authentication.reason === 'missing') ctx.extra.socket.close(4401, 'Unauthorized');
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
        const args: ExecutionArgs = {
          schema,
          operationName: params.operationName,
          document: parse(params.query),
          variableValues: params.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        if (errors.length) return errors;
        return args;
      },
    },
    wss,
  );

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
