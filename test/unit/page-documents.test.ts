/** The documents the page sends and the examples GraphiQL opens with are valid against the schema. */
import { type OperationDefinitionNode, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ALL_DOCUMENTS } from '../../src/app/page/documents.js';
import { GRAPHIQL_EXAMPLES } from '../../src/graphiql-examples.js';
import { schema } from '../../src/schema/index.js';

function operations(source: string): OperationDefinitionNode[] {
  return parse(source).definitions.filter((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
}

describe("the page's documents", () => {
  it.each(Object.entries(ALL_DOCUMENTS))('%s is valid against the schema', (_name, source) => {
    expect(validate(schema, parse(source)).map((error) => error.message)).toEqual([]);
    expect(operations(source)).toHaveLength(1);
  });
});

describe("GraphiQL's default document", () => {
  it('is valid against the schema', () => {
    expect(validate(schema, parse(GRAPHIQL_EXAMPLES)).map((error) => error.message)).toEqual([]);
  });

  it('holds options, createImage, createVideo and the subscription that follows the video', () => {
    const named = operations(GRAPHIQL_EXAMPLES).map((op) => {
      const field = op.selectionSet.selections[0];
      return `${op.operation} ${op.name?.value}: ${field?.kind === 'Field' ? field.name.value : '?'}`;
    });
    expect(named).toEqual([
      'query Options: options',
      'mutation CreateImage: createImage',
      'mutation CreateVideo: createVideo',
      'subscription VideoProgress: videoTaskUpdated',
      'query Tasks: tasks',
    ]);
  });
});
