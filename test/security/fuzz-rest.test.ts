/**
 * Fuzzing the REST routes with bad input: random JSON, fields of the wrong type and size, bytes that are
 * not UTF-8, odd content types, methods, paths, query strings and credentials, and request lines no
 * client library would send. Every answer is below 500 and in the error envelope; the server keeps
 * answering, logs no error, leaves no rejection unhandled and gives its memory back.
 */
import { METHODS } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../support/stack.js';
import { expectGraphQLAnswer, expectRestAnswer, isEnvelope, isGraphQLTarget } from './support/answers.js';
import {
  errorLines,
  expectHealthy,
  fuzzTimeout,
  HEAP_GROWTH_LIMIT_MB,
  SETUPS,
  startFuzzStack,
} from './support/fuzz-stack.js';
import { MB, settledHeap } from './support/heap.js';
import { agent, exchange, parseRaw, rawExchange, type Outgoing } from './support/http.js';
import {
  anyJsonValue,
  contentType,
  credentials,
  fieldValue,
  headerValue,
  invalidUtf8,
  nastyString,
  quickPrompt,
  sizedString,
} from './support/inputs.js';
import { watchProcessFaults, type ProcessFaults } from './support/process-faults.js';
import { holds } from './support/property.js';

const GENERATIONS = fc.constantFrom('/create/image', '/create/video');
const KNOWN_PATHS = [
  '/',
  '/health',
  '/options',
  '/openapi.json',
  '/create/image',
  '/create/video',
  '/task/00000000-0000-4000-8000-000000000000',
];

/** Methods node:http sends and its parser takes (CONNECT is a tunnel, not a request: the raw property sends it). */
const HTTP_METHOD = fc.constantFrom(...METHODS.filter((m) => m !== 'CONNECT'));

/** Characters node:http lets into a request target: printable ASCII and raw Latin-1 bytes (not UTF-8). */
const targetChar = fc.oneof(
  fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
  fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)),
  fc.constantFrom('%', '%00', '%ff', '%c0%af', '%ed%a0%80', '%2f', '..', '//', '?', '#', '%E2%80%AE'),
);

const mutatedPath = fc.oneof(
  fc.constantFrom(...KNOWN_PATHS),
  fc
    .tuple(fc.constantFrom(...KNOWN_PATHS), fc.string({ unit: targetChar, maxLength: 40 }))
    .map(([path, tail]) => path + tail),
  fc.constantFrom(...KNOWN_PATHS).chain((path) => fc.mixedCase(fc.constant(path))),
  fc.string({ unit: targetChar, maxLength: 60 }).map((tail) => `/task/${tail}`),
  fc.webPath().map((path) => path || '/'),
  fc.string({ unit: targetChar, maxLength: 80 }).map((path) => `/${path}`),
  fc.constantFrom(
    'http://example.com/health',
    'https://x/create/image',
    '*',
    '/graphql/../health',
    '/./health',
    '//health',
  ),
);

const queryString = fc.oneof(
  fc.constant(''),
  fc.webQueryParameters().map((q) => `?${q}`),
  fc.string({ unit: targetChar, maxLength: 80 }).map((q) => `?${q}`),
  nastyString().map((q) => `?query=${encodeURIComponent(q.replace(/[\ud800-\udfff]/g, '\ufffd'))}`),
);

function encodeFields(
  fields: Record<string, unknown>,
  as: 'json' | 'form' | 'unlabelled',
): { body: string; headers: Record<string, string> } {
  if (as === 'form') {
    const form = new URLSearchParams(
      Object.entries(fields).map(([name, value]) => [
        name,
        typeof value === 'string' ? value : (JSON.stringify(value) ?? ''),
      ]),
    );
    return { body: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
  }
  return { body: JSON.stringify(fields), headers: as === 'json' ? { 'content-type': 'application/json' } : {} };
}

for (const setup of SETUPS) {
  describe(`REST fuzz, ${setup.name}`, () => {
    let stack: Stack;
    let faults: ProcessFaults;
    let heapBefore: number;
    const creds = credentials(setup.keys);

    /**
     * Sends one request and checks the answer as REST or as GraphQL, by where the server routes it. What
     * Node's parser refuses (bytes outside the URL grammar, headers too large) never reaches a route and
     * is answered in the REST envelope whatever the target.
     */
    const check = async (out: Outgoing) => {
      const answer = await exchange(stack.url, out);
      if (isGraphQLTarget(out.path) && !isEnvelope(answer)) expectGraphQLAnswer(out, answer);
      else expectRestAnswer(out, answer);
    };

    const property = <T>(arbitrary: fc.Arbitrary<T>, toRequest: (value: T) => Outgoing) =>
      holds(arbitrary, (value) => check(toRequest(value)));

    beforeAll(async () => {
      faults = watchProcessFaults();
      stack = await startFuzzStack(setup.keys);
      // One of everything first, so that lazily built caches count in the baseline, not as growth.
      for (const path of KNOWN_PATHS) await exchange(stack.url, { method: 'GET', path });
      await exchange(stack.url, {
        method: 'POST',
        path: '/create/image',
        body: '{"query":"warm up [sim:ms=1]"}',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${setup.keys[0] ?? ''}` },
      });
      heapBefore = await settledHeap();
    });
    afterAll(async () => {
      await stack?.close();
      faults?.stop();
    });

    it('random JSON bodies to the generation routes', { timeout: fuzzTimeout() }, async () => {
      const body = fc.oneof(
        fc.json(),
        anyJsonValue.map((value) => JSON.stringify(value) ?? 'null'),
      );
      await property(
        fc.record({
          path: GENERATIONS,
          body,
          creds,
          type: fc.constantFrom('application/json', 'application/vnd.api+json'),
        }),
        (r) => ({
          method: 'POST',
          path: r.path,
          body: r.body,
          headers: { 'content-type': r.type, ...r.creds },
        }),
      );
      await expectHealthy(stack);
    });

    it('fields of the wrong type, length and encoding', { timeout: fuzzTimeout() }, async () => {
      const fields = fc.record(
        { query: fc.oneof(fieldValue, quickPrompt), model: fieldValue, aspect: fieldValue, extra: fieldValue },
        { requiredKeys: [] },
      );
      await property(
        fc.record({
          path: GENERATIONS,
          fields,
          as: fc.constantFrom('json' as const, 'form' as const, 'unlabelled' as const),
          creds,
        }),
        (r) => {
          const { body, headers } = encodeFields(r.fields, r.as);
          return { method: 'POST', path: r.path, body, headers: { ...headers, ...r.creds } };
        },
      );
      await expectHealthy(stack);
    });

    it('bytes that are not UTF-8, odd and missing content types, content encodings', {
      timeout: fuzzTimeout(),
    }, async () => {
      const body = fc.oneof(
        invalidUtf8,
        fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes)),
        nastyString(200).map((text) => Buffer.from(text, 'utf8')),
        sizedString.map((text) => Buffer.from(JSON.stringify({ query: text }))),
        fc.constant(Buffer.alloc(0)),
      );
      const encoding = fc.option(fc.constantFrom('gzip', 'br', 'identity', 'IDENTITY ', 'x'), { nil: undefined });
      await property(fc.record({ path: GENERATIONS, body, type: contentType, encoding, creds }), (r) => ({
        method: 'POST',
        path: r.path,
        body: r.body,
        headers: {
          ...(r.type === undefined ? {} : { 'content-type': r.type }),
          ...(r.encoding === undefined ? {} : { 'content-encoding': r.encoding }),
          ...r.creds,
        },
      }));
      await expectHealthy(stack);
    });

    it('odd methods, paths and query strings', { timeout: fuzzTimeout() }, async () => {
      const body = fc.option(fc.oneof(fc.json(), nastyString(100)), { nil: undefined });
      await property(fc.record({ method: HTTP_METHOD, path: mutatedPath, query: queryString, body, creds }), (r) => ({
        method: r.method,
        path: `${r.path}${r.query}`,
        // A body only where node:http sends one; GET and HEAD with a body are still requests the server must survive.
        ...(r.body === undefined ? {} : { body: r.body }),
        headers: r.creds,
      }));
      await expectHealthy(stack);
    });

    it('random header values', { timeout: fuzzTimeout() }, async () => {
      const headerName = fc.constantFrom(
        'accept',
        'origin',
        'x-forwarded-for',
        'access-control-request-method',
        'content-type',
        'expect-ct',
        'x-graphql-yoga-csrf',
        'if-none-match',
        'range',
      );
      const headers = fc.dictionary(headerName, headerValue, { maxKeys: 4 });
      const request = fc.record({
        method: fc.constantFrom('GET', 'POST', 'HEAD', 'OPTIONS'),
        path: fc.constantFrom(...KNOWN_PATHS),
        headers,
        creds,
        prompt: quickPrompt,
      });
      await property(request, (r) => ({
        method: r.method,
        path: r.path,
        headers: { ...r.headers, ...r.creds },
        ...(r.method === 'POST' ? { body: JSON.stringify({ query: r.prompt }) } : {}),
      }));
      await expectHealthy(stack);
    });

    it('request lines and headers no client library would send', { timeout: fuzzTimeout(40) }, async () => {
      const rawByte = fc.integer({ min: 0, max: 255 }).filter((c) => c !== 0x0d && c !== 0x0a);
      const rawText = (minLength: number, maxLength: number) =>
        fc.array(rawByte, { minLength, maxLength }).map((bytes) => Buffer.from(bytes));
      const request = fc.record({
        method: fc.oneof(
          fc.constantFrom('GET', 'POST', 'CONNECT', 'PRI', 'G ET', ''),
          fc.stringMatching(/^[!-~]{1,10}$/),
        ),
        target: fc.oneof(
          rawText(0, 80),
          fc
            .constantFrom(...KNOWN_PATHS, '/graphql', '/graphql?query=%7Bhealth%7Bstatus%7D%7D')
            .map((p) => Buffer.from(p)),
        ),
        version: fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1 extra', 'HTTP/9', ''),
        header: rawText(0, 120),
        extra: fc.constantFrom(
          '',
          'Upgrade: websocket\r\nConnection: Upgrade\r\n',
          'Expect: 100-continue\r\n',
          'Content-Type: application/json\r\n',
          'Content-Encoding: gzip\r\n',
          'Host: second\r\n',
        ),
        framing: fc.constantFrom('none', 'exact', 'short', 'invalid', 'chunked', 'chunked-broken', 'both'),
        invalidLength: fc.constantFrom('-1', 'abc', '1, 2', '99999999999999999999', '0x10', ''),
        // Never empty, and without line breaks: a body shorter than its Content-Length would make the server wait, rightly, for the rest.
        body: rawText(8, 64),
      });
      const framed = (r: { framing: string; invalidLength: string; body: Buffer }): [string, Buffer] => {
        const chunked = Buffer.concat([
          Buffer.from(`${r.body.length.toString(16)}\r\n`),
          r.body,
          Buffer.from('\r\n0\r\n\r\n'),
        ]);
        switch (r.framing) {
          case 'exact':
            return [`Content-Length: ${r.body.length}\r\n`, r.body];
          case 'short':
            return ['Content-Length: 1\r\n', r.body];
          case 'invalid':
            return [`Content-Length: ${r.invalidLength}\r\n`, r.body];
          case 'chunked':
            return ['Transfer-Encoding: chunked\r\n', chunked];
          case 'chunked-broken':
            return [
              'Transfer-Encoding: chunked\r\n',
              Buffer.concat([Buffer.from('zz'), r.body, Buffer.from('\r\n0\r\n\r\n')]),
            ];
          case 'both':
            return [`Transfer-Encoding: chunked\r\nContent-Length: ${chunked.length}\r\n`, chunked];
          default:
            return ['', Buffer.alloc(0)];
        }
      };
      await holds(request, async (r) => {
        const [framing, body] = framed(r);
        const bytes = Buffer.concat([
          Buffer.from(`${r.method} `),
          r.target,
          Buffer.from(` ${r.version}\r\nHost: 127.0.0.1\r\nX-Fuzz: `),
          r.header,
          Buffer.from(`\r\n${r.extra}${framing}Connection: close\r\n\r\n`),
          body,
        ]);
        const raw = await rawExchange(stack.url, bytes);
        const answer = parseRaw(raw);
        if (!answer) return;
        const label = raw.subarray(0, 400).toString('latin1');
        expect(answer.status, label).toBeLessThan(500);
        // Every refusal says why in JSON: the REST envelope, a GraphQL `errors` list, or (parser level) the envelope too.
        if (answer.status >= 400 && r.method !== 'HEAD') {
          expect(answer.headers['content-type'], label).toMatch(/json/);
          expect(answer.body.toString('utf8'), label).toMatch(/"errors?"/);
        }
      });
      await expectHealthy(stack);
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
