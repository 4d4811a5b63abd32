/**
 * Validation results kept by document object. Yoga's own validation cache keys each lookup by the names
 * of every rule in play, joined into a string on each request (some thirty of graphql-js's rules and
 * Armor's): here the schema and the rules never change while the server runs, so the document alone is
 * the key. The entries live as long as their documents, which the bounded document cache holds: a
 * document too long for it is validated every time, and nothing is kept for it.
 */
import type { DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export function useValidationCache(): Plugin {
  const results = new WeakMap<DocumentNode, readonly Error[]>();
  return {
    onValidate({ params, setResult }) {
      const cached = results.get(params.documentAST);
      if (cached) {
        setResult(cached);
        return undefined;
      }
      return ({ result }) => {
        results.set(params.documentAST, result);
      };
    },
  };
}
