/**
 * Fuzzing graphql-ws on /graphql with raw `ws` sockets: random sequences of protocol messages right and
 * wrong (subscribe before connection_init, duplicate ids, payloads of every type), text that is not JSON,
 * binary frames, frames built by hand, close codes, and messages over MAX_BODY_SIZE. The server answers
 * only well-formed messages, never closes for an internal error, keeps answering, logs no error, leaves no
 * rejection unhandled, no connection open, and gives its memory back.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../support/stack.js';
import { expectWsOutcome } from './support/answers.js';
import {
  errorLines,
  expectHealthy,
  fuzzTimeout,
  HEAP_GROWTH_LIMIT_MB,
  SETUPS,
  startFuzzStack,
} from './support/fuzz-stack.js';
import { MB, settledHeap } from './support/heap.js';
import { agent } from './support/http.js';
import { credentials } from './support/inputs.js';
import { watchProcessFaults, type ProcessFaults } from './support/process-faults.js';
import { holds } from './support/property.js';
import { action, brokenFrame, initPayload, PROTOCOLS } from './support/ws-messages.js';
import { session, type Action } from './support/ws.js';

const MAX_BODY_SIZE = 65_536;

const openConnections = (stack: Stack) =>
  new Promise<number>((resolve, reject) =>
    stack.app.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );

for (const setup of SETUPS) {
  describe(`WebSocket fuzz, ${setup.name}`, () => {
    let stack: Stack;
    let faults: ProcessFaults;
    let heapBefore: number;
    let url: string;
    const keys = setup.keys;
    /** connection_init with the right key (or the given payload), then the wait for connection_ack. */
    const init = (payload = keys[0] ? `{"authorization":"Bearer ${keys[0]}"}` : '{}'): Action[] => [
      { kind: 'text', data: `{"type":"connection_init","payload":${payload}}` },
      { kind: 'ack' },
    ];

    beforeAll(async () => {
      faults = watchProcessFaults();
      stack = await startFuzzStack(keys);
      url = `${stack.url.replace('http', 'ws')}/graphql`;
      const warmUp = {
        kind: 'text' as const,
        data: '{"id":"w","type":"subscribe","payload":{"query":"{ health { status } }"}}',
      };
      await session(url, {
        protocols: ['graphql-transport-ws'],
        headers: {},
        actions: [...init(), warmUp, { kind: 'wait', ms: 50 }],
      });
      heapBefore = await settledHeap();
    });
    afterAll(async () => {
      await stack?.close();
      faults?.stop();
    });

    it('random sequences of messages, right and wrong', { timeout: fuzzTimeout(60) }, async () => {
      const request = fc.record({
        protocols: PROTOCOLS,
        headers: fc.oneof({ weight: 4, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: credentials(keys) }),
        // Most sequences start as a client would, so that what follows reaches the operations.
        start: fc.oneof(
          { weight: 3, arbitrary: fc.constant(init()) },
          { weight: 1, arbitrary: fc.constant<Action[]>([]) },
          { weight: 1, arbitrary: initPayload(keys).map((p) => init(p ?? 'null')) },
        ),
        actions: fc.array(action(keys), { maxLength: 8 }),
      });
      await holds(request, async (r) => {
        expectWsOutcome(
          await session(url, { protocols: r.protocols, headers: r.headers, actions: [...r.start, ...r.actions] }),
        );
      });
      await expectHealthy(stack);
    });

    it('frames built by hand: unmasked, reserved bits and opcodes, broken fragments, bad UTF-8, any close code', {
      timeout: fuzzTimeout(60),
    }, async () => {
      const request = fc.record({
        initialised: fc.boolean(),
        before: fc.array(action(keys), { maxLength: 2 }),
        broken: fc.array(brokenFrame, { minLength: 1, maxLength: 3 }),
      });
      await holds(request, async (r) => {
        const actions = [...(r.initialised ? init() : []), ...r.before, ...r.broken];
        expectWsOutcome(await session(url, { protocols: ['graphql-transport-ws'], headers: {}, actions }));
      });
      await expectHealthy(stack);
    });

    it('closes a connection whose message is over MAX_BODY_SIZE with 1009', { timeout: fuzzTimeout(60) }, async () => {
      const request = fc.record({
        initialised: fc.boolean(),
        size: fc.integer({ min: MAX_BODY_SIZE + 1, max: 4 * MAX_BODY_SIZE }),
        binary: fc.boolean(),
      });
      await holds(request, async (r) => {
        const data = `{"id":"1","type":"subscribe","payload":{"query":"{ health { status } }","extensions":{"x":"${'x'.repeat(r.size)}"}}}`;
        const huge: Action = r.binary ? { kind: 'binary', data: Buffer.from(data) } : { kind: 'text', data };
        const outcome = await session(url, {
          protocols: ['graphql-transport-ws'],
          headers: {},
          actions: [...(r.initialised ? init() : []), huge],
        });
        expectWsOutcome(outcome);
        expect(outcome.closeCode, JSON.stringify(outcome)).toBe(1009);
        expect(outcome.serverClosedFirst).toBe(true);
      });
      await expectHealthy(stack);
    });

    it('answers protocol violations with the graphql-ws close codes', async () => {
      const subscribe = (id: string): Action => ({
        kind: 'text',
        data: `{"id":"${id}","type":"subscribe","payload":{"query":"subscription { taskUpdated(id: \\"x\\") { id } }"}}`,
      });
      // An operation still running when the same id comes again: a generation of a second.
      const subscribeNever = (id: string): Action => ({
        kind: 'text',
        data: `{"id":"${id}","type":"subscribe","payload":{"query":"mutation { createImage(input: { query: \\"slow [sim:ms=1000]\\" }) { __typename } }"}}`,
      });
      const cases: Array<[string, Action[], number]> = [
        ['subscribe before connection_init', [subscribe('1')], 4401],
        ['connection_init twice', [...init(), ...init()], 4429],
        ['not JSON', [...init(), { kind: 'text', data: '{"type":' }], 4400],
        ['a message of no known type', [...init(), { kind: 'text', data: '{"type":"start","id":"1"}' }], 4400],
        ['a message only a server sends', [...init(), { kind: 'text', data: '{"type":"connection_ack"}' }], 4400],
        [
          'a result from the client',
          [...init(), { kind: 'text', data: '{"type":"next","id":"1","payload":{"data":null}}' }],
          4400,
        ],
        [
          'a subscribe without an id',
          [...init(), { kind: 'text', data: '{"type":"subscribe","payload":{"query":"{ __typename }"}}' }],
          4400,
        ],
        ['a second subscribe with the same id', [...init(), subscribeNever('1'), subscribeNever('1')], 4409],
      ];
      if (keys.length)
        cases.push(['a wrong key', init('{"authorization":"Bearer not-a-key"}'), 4403], ['no key', init('{}'), 4401]);
      for (const [name, actions, code] of cases) {
        const outcome = await session(url, {
          protocols: ['graphql-transport-ws'],
          headers: {},
          actions: [...actions, { kind: 'wait', ms: 50 }],
        });
        expectWsOutcome(outcome);
        expect(outcome.closeCode, name).toBe(code);
      }
    });

    it('answers a document that is not valid, or over a limit, with an error message, not by closing the connection', async () => {
      const documents = [
        '{ health { status ',
        `{ ${'tasks { edges { node { ... on ImageTask { '.repeat(20)}id${' } } } }'.repeat(20)} }`,
        `{ ${'__typename '.repeat(2_100)}}`,
        `{ task(id: ${'['.repeat(3_000)}"x"${']'.repeat(3_000)}) { id } }`,
        '{ helth { status } }',
      ];
      for (const query of documents) {
        const subscribe: Action = {
          kind: 'text',
          data: JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }),
        };
        const outcome = await session(url, {
          protocols: ['graphql-transport-ws'],
          headers: {},
          actions: [...init(), subscribe, { kind: 'wait', ms: 100 }],
        });
        expectWsOutcome(outcome);
        expect(outcome.serverClosedFirst, query.slice(0, 40)).toBe(false);
        const error = outcome.messages
          .map((text) => JSON.parse(text) as { type: string; id?: string })
          .find((m) => m.type === 'error');
        expect(error?.id, query.slice(0, 40)).toBe('1');
      }
    });

    it('logged no error, left no rejection unhandled, no connection open, and gave its memory back', async () => {
      expect(errorLines(stack)).toEqual([]);
      expect(faults.seen).toEqual([]);
      agent.destroy();
      // Closed connections leave the server's count as their last bytes are flushed.
      await expect.poll(() => openConnections(stack), { timeout: 2_000, interval: 50 }).toBe(0);
      stack.logs.length = 0;
      const growth = ((await settledHeap()) - heapBefore) / MB;
      expect(growth, `the heap grew by ${growth.toFixed(1)} MB`).toBeLessThan(HEAP_GROWTH_LIMIT_MB);
    });
  });
}
