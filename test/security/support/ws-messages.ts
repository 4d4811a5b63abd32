/**
 * What the WebSocket fuzz sends: graphql-transport-ws messages right and wrong, text that is not JSON,
 * binary frames, frames built by hand, and close codes.
 */
import fc from 'fast-check';
import { requestBody } from './graphql-documents.js';
import { anyJsonValue, nastyString } from './inputs.js';
import { closeFrame, frame, type Action } from './ws.js';

const json = (value: unknown) => JSON.stringify(value) ?? 'null';

/** Ids: the same few again and again (so duplicates happen), and ids of every wrong type. */
const id = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('1', '2', 'a') },
  { weight: 1, arbitrary: nastyString(8) },
  { weight: 1, arbitrary: anyJsonValue },
);

/** A connection_init payload: credentials in the places graphql-ws clients put them, or anything. */
export function initPayload(keys: readonly string[]): fc.Arbitrary<string | undefined> {
  const key = fc.constantFrom(...(keys.length ? keys : ['no-such-key']));
  return fc.oneof(
    fc.constant(undefined),
    key.map((k) => json({ authorization: `Bearer ${k}` })),
    key.map((k) => json({ Authorization: `bearer ${k}` })),
    key.map((k) => json({ 'x-api-key': k })),
    key.map((k) => json({ authorization: k })),
    nastyString(30).map((v) => json({ authorization: `Bearer ${v}` })),
    anyJsonValue.map(json),
  );
}

export function protocolMessage(keys: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    initPayload(keys).map((payload) =>
      payload === undefined ? '{"type":"connection_init"}' : `{"type":"connection_init","payload":${payload}}`,
    ),
    fc.tuple(id, requestBody).map(([i, body]) => `{"id":${json(i)},"type":"subscribe","payload":${body}}`),
    fc.tuple(id, requestBody).map(([i, body]) => `{"type":"subscribe","id":${json(i)},"payload":${body},"extra":1}`),
    id.map((i) => `{"id":${json(i)},"type":"complete"}`),
    fc
      .constantFrom('ping', 'pong')
      .chain((type) => anyJsonValue.map((payload) => `{"type":"${type}","payload":${json(payload)}}`)),
    fc
      .constantFrom('connection_ack', 'next', 'error', 'start', 'stop', 'connection_terminate', 'ka')
      .map((type) => `{"type":"${type}","id":"1"}`),
    nastyString(20).map((type) => `{"type":${json(type)}}`),
  );
}

/** One message's text: a protocol message, the same mangled, any JSON, or not JSON at all. */
export function messageText(keys: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: protocolMessage(keys) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(protocolMessage(keys), fc.nat(), fc.constantFrom('', '"', '{', '}', ',', '\\', '\u0000'))
        .map(
          ([text, at, inserted]) =>
            text.slice(0, at % (text.length + 1)) + inserted + text.slice(at % (text.length + 1)),
        ),
    },
    { weight: 1, arbitrary: fc.json() },
    { weight: 1, arbitrary: nastyString(60) },
  );
}

/** Close codes a client may send; the ones it may not go in raw frames. */
const validCloseCode = fc.oneof(
  fc.constantFrom(1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011),
  fc.integer({ min: 3000, max: 4999 }),
);

export const clientClose: fc.Arbitrary<Action> = fc
  .tuple(validCloseCode, fc.string({ maxLength: 40 }))
  .map(([code, reason]) => ({ kind: 'close', code, reason }));

/** Frames no library would send: unmasked, reserved bits or opcodes, fragments out of order, control frames too long, bad UTF-8, close codes out of range. */
export const brokenFrame: fc.Arbitrary<Action> = fc
  .oneof(
    fc
      .record({
        fin: fc.boolean(),
        rsv: fc.integer({ min: 0, max: 7 }),
        opcode: fc.integer({ min: 0, max: 15 }),
        masked: fc.boolean(),
        payload: fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
      })
      .map(frame),
    fc
      .tuple(fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 40 }))
      .map(([code, reason]) => closeFrame(code, Buffer.from(reason))),
    fc.constant(
      frame({ fin: true, rsv: 0, opcode: 0x1, masked: true, payload: Buffer.from([0x7b, 0xc0, 0xaf, 0x7d]) }),
    ),
    fc.constant(frame({ fin: false, rsv: 0, opcode: 0x1, masked: true, payload: Buffer.from('{"type":') })),
    fc.constant(frame({ fin: true, rsv: 0, opcode: 0x0, masked: true, payload: Buffer.from('"ping"}') })),
    fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
  )
  .map((data) => ({ kind: 'raw', data }));

export function action(keys: readonly string[]): fc.Arbitrary<Action> {
  return fc.oneof(
    { weight: 10, arbitrary: messageText(keys).map((data): Action => ({ kind: 'text', data })) },
    {
      weight: 1,
      arbitrary: fc
        .uint8Array({ maxLength: 64 })
        .map((bytes): Action => ({ kind: 'binary', data: Buffer.from(bytes) })),
    },
    {
      weight: 1,
      arbitrary: protocolMessage(keys).map((text): Action => ({ kind: 'binary', data: Buffer.from(text) })),
    },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 30 }).map((ms): Action => ({ kind: 'wait', ms })) },
    { weight: 1, arbitrary: fc.constant<Action>({ kind: 'ack' }) },
    { weight: 1, arbitrary: clientClose },
  );
}

export const PROTOCOLS: fc.Arbitrary<string[]> = fc.oneof(
  { weight: 8, arbitrary: fc.constant<string[]>(['graphql-transport-ws']) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(
        [],
        ['graphql-ws'],
        ['graphql-transport-ws', 'graphql-ws'],
        ['graphql-ws', 'graphql-transport-ws'],
        ['chat'],
        ['GRAPHQL-TRANSPORT-WS'],
      )
      .map((protocols): string[] => [...protocols]),
  },
);
