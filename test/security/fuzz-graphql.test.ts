/**
 * Fuzzing GraphQL over HTTP and SSE: random and mutated documents, variables of every type, random
 * operation names, bodies that are not JSON or not UTF-8, GETs with random parameters, odd methods and
 * content types, and credentials of every kind. Every answer is below 500 and a well-formed GraphQL
 * response with no stack in it; the server keeps answering, logs no error, leaves no rejection
 * unhandled and gives its memory back.
 */
import { METHODS } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../support/stack.js';
import { expectGraphQLAnswer, expectRestAnswer, isEnvelope } from './support/answers.js';
import {
  errorLines,
  expectHealthy,
  fuzzTimeout,
  HEAP_GROWTH_LIMIT_MB,
  SETUPS,
  startFuzzStack,
} from './support/fuzz-stack.js';
import { document, operationName, requestBody, variablesJson } from './support/graphql-documents.js';
import { MB, settledHeap } from './support/heap.js';
import { agent, exchange, type Outgoing } from './support/http.js';
import { contentType, credentials, headerValue, invalidUtf8, nastyString, sizedString } from './support/inputs.js';
import { watchProcessFaults, type ProcessFaults } from './support/process-faults.js';
import { holds } from './support/property.js';

const ACCEPT = fc.option(
  fc.oneof(
    fc.constantFrom(
      'application/graphql-response+json',
      'application/json',
      'application/graphql-response+json, application/json;q=0.9',
      '*/*',
      'text/event-stream',
      'text/html',
      'multipart/mixed',
      'multipart/mixed; deferSpec=20220824',
      'image/png',
    ),
    headerValue,
  ),
  { nil: undefined },
);

/** The CSRF header (any value counts) on some requests, so both sides of the check are fuzzed. */
const CSRF = fc.option(fc.constantFrom({ 'x-graphql-yoga-csrf': '1' }, { 'apollo-require-preflight': 'true' }), {
  nil: undefined,
});

const SSE = { accept: 'text/event-stream' };

for (const setup of SETUPS) {
  describe(`GraphQL fuzz, ${setup.name}`, () => {
    let stack: Stack;
    let faults: ProcessFaults;
    let heapBefore: number;
    const creds = credentials(setup.keys);

    /** What Node's parser refuses is answered in the REST envelope; everything else is GraphQL's to answer. */
    const check = async (out: Outgoing) => {
      const answer = await exchange(stack.url, out);
      if (isEnvelope(answer)) expectRestAnswer(out, answer);
      else expectGraphQLAnswer(out, answer);
    };

    const post = (body: string | Buffer, headers: Record<string, string | undefined>): Outgoing => ({
      method: 'POST',
      path: '/graphql',
      body,
      headers: Object.fromEntries(
        Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== undefined),
      ),
    });

    beforeAll(async () => {
      faults = watchProcessFaults();
      stack = await startFuzzStack(setup.keys);
      const auth: Record<string, string> = setup.keys[0] ? { authorization: `Bearer ${setup.keys[0]}` } : {};
      for (const query of [
        '{ health { status } }',
        'mutation { createImage(input: { query: "warm up [sim:ms=1]" }) { __typename } }',
      ]) {
        await exchange(stack.url, post(JSON.stringify({ query }), { 'content-type': 'application/json', ...auth }));
        await exchange(stack.url, {
          method: 'GET',
          path: `/graphql?query=${encodeURIComponent(query)}`,
          headers: { ...SSE, ...auth },
        });
      }
      heapBefore = await settledHeap();
    });
    afterAll(async () => {
      await stack?.close();
      faults?.stop();
    });

    it('random and mutated documents, variables and operation names, as JSON', { timeout: fuzzTimeout() }, async () => {
      const request = fc.record({ body: requestBody, accept: ACCEPT, csrf: CSRF, creds });
      await holds(request, (r) =>
        check(post(r.body, { 'content-type': 'application/json', accept: r.accept, ...r.csrf, ...r.creds })),
      );
      await expectHealthy(stack);
    });

    it('bodies that are not a GraphQL request: any JSON, bytes that are not UTF-8, odd content types', {
      timeout: fuzzTimeout(),
    }, async () => {
      const body = fc.oneof(
        fc.json(),
        invalidUtf8,
        fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes)),
        document,
        sizedString.map((text) => JSON.stringify({ query: `{ task(id: "${text}") { id } }` })),
        fc.constant('[{"query":"{ health { status } }"},{"query":"{ health { status } }"}]'),
        fc.constant(''),
      );
      const request = fc.record({ body, type: contentType, accept: ACCEPT, csrf: CSRF, creds });
      await holds(request, (r) =>
        check(post(r.body, { 'content-type': r.type, accept: r.accept, ...r.csrf, ...r.creds })),
      );
      await expectHealthy(stack);
    });

    it('GETs with random parameters', { timeout: fuzzTimeout() }, async () => {
      const name = fc.oneof(
        fc.constantFrom('query', 'variables', 'operationName', 'extensions', 'query[]', 'Query'),
        nastyString(8),
      );
      const value = fc.oneof(
        document,
        variablesJson,
        operationName.map((v) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? ''))),
        nastyString(40),
      );
      const garbage = fc.constantFrom(
        '',
        '&%',
        '&query=%ZZ',
        '&variables=%c0%af',
        '&query=%ED%A0%80',
        '&&&=',
        '&query',
        '#frag',
      );
      const request = fc.record({
        params: fc.array(fc.tuple(name, value), { maxLength: 5 }),
        first: fc.option(document, { nil: undefined }),
        garbage,
        accept: ACCEPT,
        creds,
      });
      await holds(request, (r) => {
        const params = new URLSearchParams([
          ...(r.first === undefined ? [] : [['query', r.first] as [string, string]]),
          ...r.params,
        ]);
        const headers = Object.fromEntries(
          Object.entries({ accept: r.accept, ...r.creds }).filter((e): e is [string, string] => e[1] !== undefined),
        );
        return check({ method: 'GET', path: `/graphql?${params.toString()}${r.garbage}`, headers });
      });
      await expectHealthy(stack);
    });

    it('SSE: random documents and variables over POST and GET with text/event-stream', {
      timeout: fuzzTimeout(),
    }, async () => {
      const request = fc.record({
        body: requestBody,
        query: document,
        variables: variablesJson,
        get: fc.boolean(),
        creds,
      });
      await holds(request, (r) => {
        if (!r.get) return check(post(r.body, { 'content-type': 'application/json', ...SSE, ...r.creds }));
        const params = new URLSearchParams({ query: r.query, variables: r.variables });
        return check({ method: 'GET', path: `/graphql?${params.toString()}`, headers: { ...SSE, ...r.creds } });
      });
      await expectHealthy(stack);
    });

    it('odd methods and paths under /graphql', { timeout: fuzzTimeout() }, async () => {
      const method = fc.constantFrom(...METHODS.filter((m) => m !== 'CONNECT'));
      const path = fc.constantFrom(
        '/graphql',
        '/graphql/',
        '/graphql/x',
        '/graphql?',
        '/graphql//',
        '/graphql/%00',
        '/graphql/..',
      );
      const request = fc.record({
        method,
        path,
        body: fc.option(fc.oneof(fc.json(), document), { nil: undefined }),
        type: contentType,
        accept: ACCEPT,
        creds,
      });
      await holds(request, (r) =>
        check({
          method: r.method,
          path: r.path,
          ...(r.body === undefined ? {} : { body: r.body }),
          headers: Object.fromEntries(
            Object.entries({ 'content-type': r.type, accept: r.accept, ...r.creds }).filter(
              (e): e is [string, string] => e[1] !== undefined,
            ),
          ),
        }),
      );
      await expectHealthy(stack);
    });

    it('keeps no memory for distinct documents near the token limit', { timeout: 30_000 }, async () => {
      // Each parses into most of a megabyte of AST; cached by their text, 200 of them would hold ~170 MB.
      const before = await settledHeap();
      for (let i = 0; i < 200; i++) {
        const query = `{ ${'__typename '.repeat(1_990)}} # ${i}`;
        const answer = await exchange(
          stack.url,
          post(JSON.stringify({ query }), { 'content-type': 'application/json' }),
        );
        expect(answer.status).toBeLessThan(500);
      }
      expect(((await settledHeap()) - before) / MB).toBeLessThan(20);
    });

    it('logged no error, left no rejection unhandled, and gave its memory back', async () => {
      expect(errorLines(stack)).toEqual([]);
      expect(faults.seen).toEqual([]);
      agent.destroy();
      stack.logs.length = 0;
      const growth = ((await settledHeap()) - heapBefore) / MB;
      expect(growth, `the heap grew by ${growth.toFixed(1)} MB`).toBeLessThan(HEAP_GROWTH_LIMIT_MB);
    });
  });
}
