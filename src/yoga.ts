/**
 * Yoga at /graphql: the schema, GraphiQL (subscriptions over WebSocket), masked errors, and the plugins
 * that apply to every transport, WebSocket included (see websocket.ts).
 */
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from './config.js';
import type { Logger } from './log.js';
import type { GraphQLContext } from './schema/context.js';
import { schema } from './schema/index.js';
import type { TaskService } from './tasks/service.js';

export interface ServerContext {
  req: IncomingMessage;
  res?: ServerResponse;
  /** The graphql-ws `connection_init` payload, for WebSocket operations. */
  connectionParams?: Readonly<Record<string, unknown>>;
}

export type Yoga = YogaServerInstance<ServerContext, GraphQLContext>;

let graphiqlPage: string | undefined;

export function createGraphQL(config: Config, service: TaskService, log: Logger): Yoga {
  return createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    batching: false,
    maskedErrors: true,
    cors: { origin: config.http.corsOrigin },
    graphiql: config.http.introspection
      ? { title: 'Bing Image Creator GraphQL', subscriptionsProtocol: 'WS' }
      : false,
    // GraphiQL with its scripts inline, rendered once: it works without reaching a CDN.
    renderGraphiQL: (options) => (graphiqlPage ??= renderGraphiQL(options)),
    logging: {
      debug: (...args) => log.debug(args.map(String).join(' ')),
      info: (...args) => log.info(args.map(String).join(' ')),
      warn: (...args) => log.warn(args.map(String).join(' ')),
      error: (...args) => log.error(args.map(String).join(' ')),
    },
    context: () => ({
      service,
      caller: { owner: null },
      simulator: config.simulator,
    }),
  });
}
