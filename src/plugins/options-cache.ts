/**
 * GET queries of `options` alone, answered from memory with an ETag. The options never change while the
 * server runs, so once such a query has been answered, the same URL (with the same Accept) gets the same
 * bytes without being parsed, validated or executed again, and a client that sends the ETag back in
 * If-None-Match gets a 304 without a body. Only documents whose every root field is `options` (or
 * `__typename`), with no variables and no directives, are kept; nothing else is ever answered from memory.
 * The caller is still authenticated first: with API keys on, a request without a valid key goes the
 * ordinary way and is refused there. At most MAX answers are kept, the oldest out first.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Kind, type DocumentNode, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Authenticator } from '../auth/caller.js';

const MAX = 32;

interface Kept {
  body: string;
  contentType: string;
  etag: string;
}

/** Every root field is `options` or `__typename`; no variables, no directives, no fragments. */
function onlyOptions(document: DocumentNode): boolean {
  if (document.definitions.length !== 1) return false;
  const [operation] = document.definitions;
  if (operation?.kind !== Kind.OPERATION_DEFINITION || operation.operation !== 'query') return false;
  if (operation.variableDefinitions?.length || operation.directives?.length) return false;
  const noDirectives = (node: {
    directives?: readonly unknown[];
    selectionSet?: { selections: readonly unknown[] };
  }): boolean =>
    !node.directives?.length &&
    (node.selectionSet?.selections ?? []).every((selection) => noDirectives(selection as typeof node));
  return operation.selectionSet.selections.every(
    (selection) =>
      selection.kind === Kind.FIELD &&
      (selection.name.value === 'options' || selection.name.value === '__typename') &&
      !selection.arguments?.length &&
      noDirectives(selection),
  );
}

/** If-None-Match against one ETag, by weak comparison (RFC 9110 13.1.2): `*`, or any listed tag with or without W/. */
function matches(header: string | null, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    return (trimmed.startsWith('W/') ? trimmed.slice(2) : trimmed) === etag;
  });
}

export function useOptionsCache(auth: Authenticator): Plugin<Record<string, unknown>, { req: IncomingMessage }> {
  const kept = new Map<string, Kept>();
  /** Requests whose answer may be kept: GETs of options alone, with the result they got. */
  const pending = new WeakMap<Request, ExecutionResult | null>();
  const keyOf = (request: Request, url: URL) => `${url.search}\u0000${request.headers.get('accept') ?? ''}`;

  return {
    onRequest({ request, url, serverContext, endResponse, fetchAPI }) {
      if (request.method !== 'GET' || kept.size === 0) return;
      const answer = kept.get(keyOf(request, url));
      if (!answer) return;
      const { req } = serverContext;
      if (!auth.fromHeaders(req.headers, req.socket.remoteAddress).ok) return;
      const headers = { etag: answer.etag, 'cache-control': 'no-cache' };
      if (matches(request.headers.get('if-none-match'), answer.etag)) {
        endResponse(new fetchAPI.Response(null, { status: 304, headers }));
        return;
      }
      endResponse(
        new fetchAPI.Response(answer.body, {
          status: 200,
          headers: { ...headers, 'content-type': answer.contentType },
        }),
      );
    },
    onExecute({ args }) {
      const request = (args.contextValue as { request?: Request }).request;
      if (request?.method !== 'GET' || !onlyOptions(args.document)) return undefined;
      pending.set(request, null);
      return {
        onExecuteDone({ result }) {
          if (!('errors' in result && result.errors?.length) && !(Symbol.asyncIterator in result))
            pending.set(request, result as ExecutionResult);
        },
      };
    },
    onResponse({ request, response }) {
      const result = pending.get(request);
      if (!result || response.status !== 200) return;
      pending.delete(request);
      const url = new URL(request.url);
      // The body Yoga sends for a result without errors: the result as JSON.
      const body = JSON.stringify(result);
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
      const contentType = response.headers.get('content-type') ?? 'application/graphql-response+json; charset=utf-8';
      kept.set(keyOf(request, url), { body, contentType, etag });
      if (kept.size > MAX) kept.delete(kept.keys().next().value!);
      response.headers.set('etag', etag);
      response.headers.set('cache-control', 'no-cache');
    },
  };
}
