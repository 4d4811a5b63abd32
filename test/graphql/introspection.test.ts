/** Introspection is bounded like any document, in process through yoga.fetch: GraphiQL's query passes, a deep ofType chain does not. */
import { getIntrospectionQuery } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiKeys } from '../../src/auth/api-keys.js';
import { Authenticator } from '../../src/auth/caller.js';
import { defaults } from '../../src/config.js';
import { INTROSPECTION_MAX_DEPTH } from '../../src/introspection-depth.js';
import { LocalTaskEvents } from '../../src/tasks/events.js';
import { MemoryTaskStore } from '../../src/tasks/memory-store.js';
import { TaskService } from '../../src/tasks/service.js';
import { createGraphQL, type Yoga } from '../../src/yoga.js';
import { FakeGenerations, silent } from '../tasks/support/fake-generations.js';

let yoga: Yoga;
beforeAll(() => {
  const config = defaults();
  const service = new TaskService(
    new FakeGenerations(),
    new MemoryTaskStore(),
    new LocalTaskEvents(),
    {
      imageDeadlineMs: 1_000,
      videoDeadlineMs: 1_000,
      videoStandardDeadlineMs: 1_000,
      videoImage: { maxBytes: 1024, fetch: 'bing', origin: 'http://127.0.0.1:9', fetchTimeoutMs: 1_000 },
      fetchImage: async () => ({ outcome: 'unreachable' }),
      maxPromptLength: 100,
      ttlMs: 1_000,
      maxTasks: 10,
      sweepIntervalMs: 60_000,
      limits: { perMinute: 10, inFlightPerKey: 10, subscriptionsPerKey: 10, inFlight: 1, queueMax: 1 },
    },
    silent,
  );
  yoga = createGraphQL(config, service, new Authenticator(ApiKeys.from([]), 0), silent);
});

/** The socket-less request Yoga sees: its context needs the node request only for headers and an address. */
async function post(query: string): Promise<{ data?: unknown; errors?: Array<{ message: string }> }> {
  const req = { headers: {}, socket: { remoteAddress: '127.0.0.1' } };
  const response = await yoga.fetch(
    'http://localhost/graphql',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-graphql-yoga-csrf': '1' },
      body: JSON.stringify({ query }),
    },
    { req } as never,
  );
  return (await response.json()) as { data?: unknown; errors?: Array<{ message: string }> };
}

// Under __schema, which the general depth limit (GraphQL Armor's) leaves to this one.
const chain = (levels: number) => `{ __schema { types { ${'ofType { '.repeat(levels)}name${' }'.repeat(levels)} } } }`;

describe('introspection', () => {
  it("passes GraphiQL's query, every option on", async () => {
    const answer = await post(
      getIntrospectionQuery({
        descriptions: true,
        specifiedByUrl: true,
        directiveIsRepeatable: true,
        schemaDescription: true,
        inputValueDeprecation: true,
        oneOf: true,
      }),
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data).toHaveProperty('__schema.types');
  });

  it('passes an ofType chain as deep as that query, and refuses a deeper one', async () => {
    // __schema, types and name are three of the levels.
    expect((await post(chain(INTROSPECTION_MAX_DEPTH - 3))).errors).toBeUndefined();
    const refused = await post(chain(INTROSPECTION_MAX_DEPTH + 10));
    expect(refused.data).toBeUndefined();
    expect(refused.errors?.[0]?.message).toBe(
      `Introspection nested ${INTROSPECTION_MAX_DEPTH + 13} levels deep; the limit is ${INTROSPECTION_MAX_DEPTH}.`,
    );
  });

  it('follows fragments, and a fragment used twice counts once per path', async () => {
    const deep = `query { __schema { types { ...T } } } fragment T on __Type { ${'ofType { '.repeat(INTROSPECTION_MAX_DEPTH)}name${' }'.repeat(INTROSPECTION_MAX_DEPTH)} }`;
    expect((await post(deep)).errors?.[0]?.message).toMatch(/^Introspection nested \d+ levels deep/);
  });

  it('leaves ordinary queries to the general depth limit', async () => {
    expect((await post('{ health { status } }')).errors).toBeUndefined();
  });
});
