/**
 * Yoga at /graphql: the schema, GraphiQL (subscriptions over WebSocket), masked errors, and the plugins
 * that apply to every transport, WebSocket included (see websocket.ts).
 */
import { EnvelopArmor } from '@escape.tech/graphql-armor';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { GraphQLError } from 'graphql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authentication, Authenticator } from './auth/caller.js';
import { useCorsPolicy } from './http/cors.js';
import { useIntrospectionDepthLimit } from './introspection-depth.js';
import { DocumentCache, NO_ERROR_CACHE } from './document-cache.js';
import type { Config } from './config.js';
import { GRAPHIQL_EXAMPLES } from './graphiql-examples.js';
import type { Logger } from './log.js';
import type { GraphQLContext } from './schema/context.js';
import { schema } from './schema/index.js';
import { useJitForQueries } from './plugins/jit.js';
import { useOptionsCache } from './plugins/options-cache.js';
import { useValidationCache } from './plugins/validation-cache.js';
import type { TaskService } from './tasks/service.js';

export interface ServerContext {
  req: IncomingMessage;
  res?: ServerResponse;
  /** The graphql-ws `connection_init` payload, for WebSocket operations. */
  connectionParams?: Readonly<Record<string, unknown>>;
}

export type Yoga = YogaServerInstance<ServerContext, GraphQLContext>;

let graphiqlPage: string | undefined;

export function unauthenticated(failure: Extract<Authentication, { ok: false }>): GraphQLError {
  const message =
    failure.reason === 'missing'
      ? 'An API key is required: send it as "Authorization: Bearer <key>".'
      : 'The API key is not valid.';
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

function protections(config: Config): Plugin[] {
  const armor = new EnvelopArmor({
    maxDepth: { n: config.graphql.maxDepth },
    maxAliases: { n: config.graphql.maxAliases },
    maxTokens: { n: config.graphql.maxTokens },
    maxDirectives: { n: config.graphql.maxDirectives },
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: true },
  });
  const plugins: Plugin[] = [
    ...(armor.protect().plugins as Plugin[]),
    useIntrospectionDepthLimit(),
    tooDeepIsASyntaxError(),
    unreadableParamsAreBadRequests(),
  ];
  if (config.graphql.csrfPrevention) plugins.push(csrfPreventionForPosts());
  if (!config.http.introspection) plugins.push(useDisableIntrospection());
  return plugins;
}

type AfterParse = Exclude<ReturnType<NonNullable<Plugin['onParse']>>, void>;

/**
 * graphql-js parses by recursive descent: a document nested a couple of thousand levels deep (`[[[[...`
 * fits under the token limit) overflows the stack before the token limit stops it. That is the caller's
 * malformed document, not an unexpected error (500): it is answered like any other syntax error.
 */
function tooDeepIsASyntaxError(): Plugin {
  const checked: AfterParse = ({ result, replaceParseResult }) => {
    if (result instanceof RangeError)
      replaceParseResult(new GraphQLError('Syntax Error: The document is nested too deeply.'));
  };
  return { onParse: () => checked };
}

/**
 * Yoga parses `variables` and `extensions` of a GET or an urlencoded POST with a bare JSON.parse, whose
 * SyntaxError would be masked as an unexpected error (500). Whatever a parser throws that is not already
 * a GraphQL error is the caller's malformed request: 400.
 */
const JSON_BODY = /^\s*application\/(graphql\+)?json\s*(;|$)/i;

function unreadableParamsAreBadRequests(): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser }) {
      // A JSON POST is parsed whole, and Yoga's own error for invalid JSON is already a 400.
      if (!requestParser || (request.method === 'POST' && JSON_BODY.test(request.headers.get('content-type') ?? '')))
        return;
      setRequestParser(async (request) => {
        try {
          return await requestParser(request);
        } catch (error) {
          if (error instanceof GraphQLError) throw error;
          throw new GraphQLError(
            'The request parameters are not valid: "variables" and "extensions" must be JSON objects.',
            {
              extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
            },
          );
        }
      });
    },
  };
}

/**
 * Yoga's CSRF prevention, for POSTs only: a simple (non-preflighted) POST must carry a custom header.
 * GETs are exempt because Yoga never runs a mutation over GET and no credential here is ambient (keys
 * travel in headers, not cookies), while urql and persisted documents send queries as plain GETs.
 */
function csrfPreventionForPosts(): Plugin {
  const csrf = useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf', 'apollo-require-preflight'] });
  return {
    onRequestParse(payload) {
      if (payload.request.method === 'GET') return undefined;
      return csrf.onRequestParse?.(payload);
    },
  };
}

export interface GraphQLOptions {
  /** Queries executed by graphql-jit (default true); false answers everything with graphql-js. */
  jit?: boolean;
  /** Plugins of other surfaces (metrics), after the server's own. */
  plugins?: Plugin[];
}

export function createGraphQL(
  config: Config,
  service: TaskService,
  auth: Authenticator,
  log: Logger,
  options: GraphQLOptions = {},
): Yoga {
  return createYoga<ServerContext, GraphQLContext>({
    plugins: [
      useCorsPolicy(config.http.cors),
      ...protections(config),
      useValidationCache(),
      ...(options.jit === false ? [] : [useJitForQueries(log)]),
      useOptionsCache(auth),
      ...(options.plugins ?? []),
    ],
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    batching: false,
    parserAndValidationCache: {
      documentCache: new DocumentCache({ max: 256, maxLength: 4_096 }),
      errorCache: NO_ERROR_CACHE,
      // useValidationCache keeps them, by document alone.
      validationCache: false,
    },
    // Bodies are bounded before Yoga sees them (server.ts refuses an undeclared or too large length), so
    // Yoga's own limiter, which pipes every body through an extra stream, would only cost time.
    maxRequestBodySize: false,
    maskedErrors: true,
    // One policy for every surface (cors.ts): preflights never reach Yoga, its answers get the policy's headers.
    cors: false,
    graphiql: config.http.introspection
      ? { title: 'Bing Image Creator GraphQL', subscriptionsProtocol: 'WS', defaultQuery: GRAPHIQL_EXAMPLES }
      : false,
    // GraphiQL with its scripts inline, rendered once: it works without reaching a CDN.
    renderGraphiQL: (options) => (graphiqlPage ??= renderGraphiQL(options)),
    logging: {
      // Yoga says three debug lines on every request: they are not even put together unless debug is on.
      debug: (...args) => log.isLevelEnabled('debug') && log.debug(args.map(String).join(' ')),
      info: (...args) => log.isLevelEnabled('info') && log.info(args.map(String).join(' ')),
      warn: (...args) => log.warn(args.map(String).join(' ')),
      // Yoga logs the error behind each masked one: as `err`, so that its stack is kept (and secrets taken out).
      error: (...args) => {
        const err = args.find((arg) => arg instanceof Error);
        if (err) log.error({ err }, 'GraphQL operation failed unexpectedly');
        else log.error(args.map(String).join(' '));
      },
    },
    context: ({ req, connectionParams }) => {
      const authentication =
        connectionParams === undefined
          ? auth.fromHeaders(req.headers, req.socket.remoteAddress)
          : auth.fromConnection(connectionParams, req.headers, req.socket.remoteAddress);
      if (!authentication.ok) throw unauthenticated(authentication);
      return { service, caller: authentication.caller, simulator: config.simulator };
    },
  });
}
