/**
 * The one CORS policy (CORS_ORIGIN, parsed in config.ts), as headers: REST and GraphQL answer with the
 * same ones. `*` allows every origin without credentials; a list allows exactly its origins.
 */
import type { Plugin } from 'graphql-yoga';
import type { CorsPolicy } from '../config.js';

const ALLOWED_METHODS = 'GET, HEAD, POST, OPTIONS';
const ALLOWED_HEADERS = 'authorization, content-type, x-api-key, x-graphql-yoga-csrf, graphql-client-name';
const EXPOSED_HEADERS = 'retry-after';

export function corsHeaders(policy: CorsPolicy, origin: string | null | undefined): Record<string, string> {
  if (policy.anyOrigin) return { 'access-control-allow-origin': '*', 'access-control-expose-headers': EXPOSED_HEADERS };
  const headers: Record<string, string> = { vary: 'origin' };
  if (origin && policy.origins.includes(origin)) {
    headers['access-control-allow-origin'] = origin;
    headers['access-control-expose-headers'] = EXPOSED_HEADERS;
  }
  return headers;
}

/** The answer to a preflight (OPTIONS), on any path. */
export function preflightHeaders(policy: CorsPolicy, origin: string | null | undefined): Record<string, string> {
  return {
    ...corsHeaders(policy, origin),
    'access-control-allow-methods': ALLOWED_METHODS,
    'access-control-allow-headers': ALLOWED_HEADERS,
    'access-control-max-age': '86400',
  };
}

/** The policy on Yoga's answers (Yoga's own CORS is off; preflights are answered before Yoga). */
export function useCorsPolicy(policy: CorsPolicy): Plugin {
  return {
    onResponse({ request, response }) {
      for (const [name, value] of Object.entries(corsHeaders(policy, request.headers.get('origin')))) {
        response.headers.set(name, value);
      }
    },
  };
}
