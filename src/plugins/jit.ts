/**
 * Queries executed by graphql-jit: a document is compiled once into a function, which then answers it.
 * Only queries (a mutation waits on Bing, next to which execution costs nothing, and subscriptions keep
 * graphql-js's event streams), only documents of one operation, and only from a document's second
 * execution: a document sent once would pay a compilation for nothing, and a caller sending fresh
 * documents would make every request compile.
 * The compiled queries are kept by document object (a WeakMap in the plugin), so they live exactly as long
 * as the bounded document cache keeps their document; documents too long for it are never compiled.
 */
import { useGraphQlJit } from '@envelop/graphql-jit';
import { getOperationAST, Kind, OperationTypeNode, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../log.js';

/** The document holds one operation, a query: @envelop/graphql-jit keeps one compilation per document, whatever the operation name. */
function singleQuery(document: DocumentNode): boolean {
  let operations = 0;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    operations += 1;
    if (operations > 1 || definition.operation !== OperationTypeNode.QUERY) return false;
  }
  return operations === 1;
}

export function useJitForQueries(log: Logger): Plugin {
  /** Documents executed before: false once seen, true once handed to graphql-jit. */
  const seen = new WeakMap<DocumentNode, boolean>();
  const jit = useGraphQlJit(
    {},
    {
      enableIf: ({ document }) => {
        const compiled = seen.get(document);
        if (compiled) return true;
        if (compiled === undefined) {
          if (singleQuery(document)) seen.set(document, false);
          return false;
        }
        seen.set(document, true);
        if (log.isLevelEnabled('debug'))
          log.debug({ operation: getOperationAST(document)?.name?.value ?? null }, 'query compiled by graphql-jit');
        return true;
      },
      onError: (result) =>
        log.warn({ errors: result.errors?.map((error) => error.message) }, 'graphql-jit could not compile a query'),
    },
  );
  return {
    onExecute(payload) {
      const { executeFn: graphqlJs } = payload;
      let compiled: typeof graphqlJs | undefined;
      // enableIf answers at once, so graphql-jit chooses (or not) within this call.
      void jit.onExecute?.({ ...payload, setExecuteFn: (fn) => (compiled = fn) });
      if (!compiled) return;
      const viaJit = compiled;
      // An answer with errors comes from graphql-js: graphql-jit words and places errors its own way (variables
      // that do not fit, a resolver's error without locations, data before errors). A query only reads, so
      // running it again changes nothing.
      payload.setExecuteFn((args) => {
        const answer = (result: unknown) => (hasErrors(result) ? graphqlJs(args) : result);
        const result: unknown = viaJit(args);
        return result instanceof Promise ? result.then(answer) : answer(result);
      });
    },
  };
}

function hasErrors(result: unknown): boolean {
  return (
    typeof result === 'object' &&
    result !== null &&
    'errors' in result &&
    Array.isArray(result.errors) &&
    result.errors.length > 0
  );
}
