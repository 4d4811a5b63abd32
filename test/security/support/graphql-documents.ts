/**
 * GraphQL documents for fuzzing: valid operations of the schema, the same operations mutated (characters
 * dropped, inserted, repeated), shapes that attack the limits (depth, aliases, directives, fragment
 * cycles), and variables of every wrong type.
 */
import fc from 'fast-check';
import { anyJsonValue, fieldValue, nastyString, quickPrompt } from './inputs.js';

export const VALID_DOCUMENTS = [
  '{ health { status cookieSet session activeTasks upstream } }',
  '{ options { models { id value description } aspects { id ratio value } videoAspects { id value } } }',
  'query Q($id: ID!) { task(id: $id) { id kind status prompt error errorCode ... on ImageTask { images { url } revisedPrompt } ... on VideoTask { video } } }',
  'query L($first: Int, $after: String, $status: TaskStatus, $kind: TaskKind) { tasks(first: $first, after: $after, status: $status, kind: $kind) { edges { cursor node { id status } } pageInfo { hasNextPage endCursor } } }',
  'mutation I($input: CreateImageInput!) { createImage(input: $input) { __typename ... on ImageGeneration { taskId images { url } } ... on Error { code message } ... on InvalidRequestError { field } } }',
  'mutation V($input: CreateVideoInput!) { createVideo(input: $input) { __typename ... on VideoTask { id status } ... on Error { code message } } }',
  'mutation { createImage(input: { query: "a fox [sim:ms=1]", model: GPT4O, aspect: PORTRAIT }) { __typename } }',
  'mutation { createVideo(input: { query: "waves [sim:ms=1]" }) { __typename ... on VideoTask { id } } }',
  'subscription S($id: ID!) { taskUpdated(id: $id) { id status } }',
  'subscription { videoTaskUpdated(id: "00000000-0000-4000-8000-000000000000") { id video } }',
  '{ __schema { queryType { name } types { name fields { name } } } }',
  '{ __type(name: "Task") { name possibleTypes { name } } }',
  '{ __typename }',
  'fragment F on Query { health { status } } query { ...F }',
  'query A { health { status } } query B { options { models { id } } }',
  '{ health { status } } { options { models { id } } }',
  'query ($a: Int = "x") { tasks(first: $a) { edges { cursor } } }',
  '{ tasks(first: -1) { edges { cursor } } }',
  '{ tasks(first: 1000000, after: "not-a-cursor") { edges { cursor } } }',
  '{ task(id: "") { id } }',
];

export const OPERATION_NAMES = ['Q', 'L', 'I', 'V', 'S', 'A', 'B'];

/** Shapes that push the limits: nesting, aliases, directives, tokens, fragment cycles, long literals. */
const abusive = fc.oneof(
  fc
    .integer({ min: 1, max: 60 })
    .map((n) => `{ ${'tasks { edges { node { ... on ImageTask { '.repeat(n)}id${' } } } }'.repeat(n)} }`),
  fc
    .integer({ min: 1, max: 120 })
    .map((n) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: health { status }`).join(' ')} }`),
  fc.integer({ min: 1, max: 120 }).map((n) => `{ health ${'@include(if: true) '.repeat(n)}{ status } }`),
  fc.integer({ min: 1, max: 3_000 }).map((n) => `{ ${'__typename '.repeat(n)}}`),
  fc.integer({ min: 1, max: 5_000 }).map((n) => `{ task(id: ${'['.repeat(n)}"x"${']'.repeat(n)}) { id } }`),
  fc.constant('fragment A on Query { ...B } fragment B on Query { ...A } { ...A }'),
  fc.constant('fragment A on Query { ...A } { ...A }'),
  fc.integer({ min: 1, max: 60_000 }).map((n) => `{ task(id: "${'x'.repeat(n)}") { id } }`),
  fc.constant(`{ task(id: "\\u{D800}\\uD800\\uDFFF\\u0000") { id } }`),
  fc.constant('{ task(id: 1e99999) { id } }'),
  fc.constant('query { ...on Query { ...on Query { ...on Query { health { status } } } } }'),
  fc.constant('subscription { taskUpdated(id: "a") { id } videoTaskUpdated(id: "b") { id } }'),
  fc.constant(
    'mutation { a: createImage(input: { query: "x [sim:ms=1]" }) { __typename } b: createImage(input: { query: "y [sim:ms=1]" }) { __typename } }',
  ),
);

const syntax = fc.constantFrom(
  '{',
  '}',
  '(',
  ')',
  '[',
  ']',
  ':',
  '$',
  '!',
  '@',
  '...',
  '"',
  '"""',
  '\\',
  '#',
  ',',
  '=',
  '|',
  '&',
  'on',
  'fragment',
  'query',
  'mutation',
  'subscription',
  '\u0000',
  '\ud800',
  '\n',
);

const edit = fc.record({
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  kind: fc.constantFrom('drop' as const, 'insert' as const, 'repeat' as const),
  length: fc.integer({ min: 1, max: 12 }),
  text: fc.oneof(syntax, nastyString(6)),
});

type Edit = typeof edit extends fc.Arbitrary<infer E> ? E : never;

function apply(document: string, { at, kind, length, text }: Edit): string {
  const i = Math.floor(at * document.length);
  if (kind === 'drop') return document.slice(0, i) + document.slice(i + length);
  if (kind === 'insert') return document.slice(0, i) + text + document.slice(i);
  const piece = document.slice(i, i + length);
  return document.slice(0, i) + piece.repeat(3) + document.slice(i);
}

const mutated = fc
  .tuple(fc.constantFrom(...VALID_DOCUMENTS), fc.array(edit, { minLength: 1, maxLength: 6 }))
  .map(([document, edits]) => edits.reduce(apply, document));

/** A document: valid, mutated, abusive or plain random text. */
export const document = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...VALID_DOCUMENTS) },
  { weight: 4, arbitrary: mutated },
  { weight: 2, arbitrary: abusive },
  { weight: 2, arbitrary: nastyString(200) },
);

/** Deep nesting, as JSON text: as a value it would overflow the test's own stack before the server's. */
const nested = fc.integer({ min: 1, max: 20_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`);

const json = (value: unknown) => JSON.stringify(value) ?? 'null';

/** Variables, as JSON text: the schema's names with values of every type, any JSON at all, or deep nesting. */
export const variablesJson: fc.Arbitrary<string> = fc.oneof(
  fc
    .record(
      {
        id: fieldValue,
        input: fc.oneof(
          fc.record(
            { query: fc.oneof(fieldValue, quickPrompt), model: fieldValue, aspect: fieldValue },
            { requiredKeys: [] },
          ),
          anyJsonValue,
        ),
        first: fieldValue,
        after: fieldValue,
        status: fieldValue,
        kind: fieldValue,
        a: fieldValue,
      },
      { requiredKeys: [] },
    )
    .map(json),
  anyJsonValue.map(json),
  nested,
  nested.map((list) => `{"input":${list},"id":${list}}`),
);

export const operationName: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...OPERATION_NAMES),
  nastyString(20),
  anyJsonValue,
);

/** A GraphQL request body as JSON text, with any of its members left out. */
export const requestBody: fc.Arbitrary<string> = fc
  .record(
    {
      query: fc.oneof(document.map(json), anyJsonValue.map(json)),
      variables: variablesJson,
      operationName: operationName.map(json),
      extensions: anyJsonValue.map(json),
    },
    { requiredKeys: [] },
  )
  .map(
    (members) =>
      `{${Object.entries(members)
        .map(([name, text]) => `"${name}":${text}`)
        .join(',')}}`,
  );
