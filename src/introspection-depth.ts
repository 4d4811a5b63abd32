/**
 * GraphQL Armor's depth limit leaves introspection out, so a `__type { ofType { ofType { ... } } }` chain
 * of any depth got through. Introspection gets its own bound: as deep as the deepest introspection
 * query a client sends (graphql-js' own, every option on, which GraphiQL's is), and no deeper.
 */
import {
  GraphQLError,
  Kind,
  getIntrospectionQuery,
  parse,
  type DocumentNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationRule,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';

const INTROSPECTION_ROOTS = new Set(['__schema', '__type']);

/** The depth below an introspection root, fragments followed (each once per path, so cycles end). */
function depthOf(
  set: SelectionSetNode | undefined,
  fragments: Map<string, FragmentDefinitionNode>,
  inside: boolean,
  seen: ReadonlySet<string>,
): number {
  if (!set) return 0;
  let deepest = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      const enters = inside || INTROSPECTION_ROOTS.has(selection.name.value);
      const below = depthOf(selection.selectionSet, fragments, enters, seen);
      deepest = Math.max(deepest, enters ? below + 1 : below);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      deepest = Math.max(deepest, depthOf(selection.selectionSet, fragments, inside, seen));
    } else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      if (!fragment || seen.has(name)) continue;
      deepest = Math.max(deepest, depthOf(fragment.selectionSet, fragments, inside, new Set([...seen, name])));
    }
  }
  return deepest;
}

export function introspectionDepth(document: DocumentNode): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  let deepest = 0;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION) {
      deepest = Math.max(deepest, depthOf(definition.selectionSet, fragments, false, new Set()));
    }
  }
  return deepest;
}

/** How deep the deepest introspection query of a real client goes. */
export const INTROSPECTION_MAX_DEPTH = introspectionDepth(
  parse(
    getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
      oneOf: true,
    }),
  ),
);

function boundedIntrospection(max: number): ValidationRule {
  return (context) => ({
    Document(node) {
      const depth = introspectionDepth(node);
      if (depth > max) {
        context.reportError(
          new GraphQLError(`Introspection nested ${depth} levels deep; the limit is ${max}.`, {
            extensions: { code: 'BAD_USER_INPUT' },
          }),
        );
      }
      return false;
    },
  });
}

export function useIntrospectionDepthLimit(max = INTROSPECTION_MAX_DEPTH): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(boundedIntrospection(max));
    },
  };
}
