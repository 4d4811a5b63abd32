/**
 * The bad input the fuzz tests send: strings with every kind of code unit, bytes that are not UTF-8,
 * values of the wrong type, odd content types, methods and credentials.
 */
import fc from 'fast-check';

/** Long enough to cross MAX_PROMPT_LENGTH (480) and, in bodies, MAX_BODY_SIZE (64 KiB in the fuzz stacks). */
export const HUGE = 70_000;

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit));
const control = fc
  .integer({ min: 0, max: 0x9f })
  .filter((c) => c < 0x20 || c >= 0x7f)
  .map((c) => String.fromCharCode(c));
const special = fc.constantFrom(
  '\u0000',
  '\ufeff',
  '\u202e',
  '\u200b',
  '\ufffd',
  '\u2028',
  '\u2029',
  '"',
  '\\',
  '[sim:',
  '{',
  '}',
  '%',
  '&',
  '=',
  '+',
);

/** Any code point, lone surrogate halves, control characters and JSON/URL syntax mixed together. */
export const nastyString = (maxLength = 64) =>
  fc.string({
    unit: fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), loneSurrogate, control, special),
    maxLength,
  });

/** Strings around the limits: just under and over the prompt limit, and over the body limit. */
export const sizedString = fc.oneof(
  fc.integer({ min: 470, max: 490 }).map((n) => 'p'.repeat(n)),
  fc.integer({ min: 1, max: 600 }).chain((n) => fc.constant('\u{1F98A}'.repeat(n))),
  fc.constant('x'.repeat(HUGE)),
  fc.constant(' \t\n'.repeat(200)),
);

/** Prompts that a valid request would send to the simulator: always quick. */
export const quickPrompt = fc.constantFrom('a red fox [sim:ms=1]', 'waves at dusk [sim:ms=1]', '[sim:ms=1] ok');

/** Any JSON value, and anything JavaScript can turn into JSON. */
export const anyJsonValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue(),
  fc.anything({ maxDepth: 3 }).map((value) => {
    try {
      return JSON.parse(JSON.stringify(value) ?? 'null') as unknown;
    } catch {
      return null;
    }
  }),
);

/** A value for a field that wants a string or a small integer. */
export const fieldValue: fc.Arbitrary<unknown> = fc.oneof(
  nastyString(),
  sizedString,
  anyJsonValue,
  fc.constantFrom(
    'DALLE',
    'gpt4o',
    'MAI1',
    '1',
    '4',
    '-1',
    '1e3',
    '0x1',
    'SQUARE',
    'landscape',
    ' 3 ',
    2,
    3,
    4,
    1.5,
    -0,
    1e308,
    NaN,
    true,
  ),
);

/** Bytes that are not UTF-8: lone continuation bytes, overlong forms, encoded surrogates, truncated sequences. */
export const invalidUtf8 = fc
  .tuple(
    fc.uint8Array({ maxLength: 64 }),
    fc.constantFrom(
      [0x80],
      [0xc0, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xe2, 0x82],
      [0xff, 0xfe],
      [0xef, 0xbb, 0xbf],
    ),
    fc.uint8Array({ maxLength: 64 }),
  )
  .map(([before, bad, after]) => Buffer.concat([Buffer.from(before), Buffer.from(bad), Buffer.from(after)]));

/** Content-Type values (undefined: none at all). */
export const contentType = fc.option(
  fc.oneof(
    fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'application/json; charset=latin1',
      'APPLICATION/JSON',
      'application/graphql-response+json',
      'application/x-www-form-urlencoded',
      'application/graphql',
      'text/plain',
      'text/plain; charset=utf-8',
      'multipart/form-data; boundary=x',
      'multipart/form-data',
      'application/octet-stream',
      'text/event-stream',
      ';',
      '*/*',
      'json',
    ),
    fc.string({ unit: 'grapheme-ascii', maxLength: 40 }),
  ),
  { nil: undefined },
);

export const method = fc.oneof(
  fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE', 'PROPFIND', 'get', 'post'),
  fc.stringMatching(/^[A-Z]{1,12}$/),
);

/** A header value node:http will send: Latin-1 without control characters. */
export const headerValue = fc.oneof(
  fc.string({
    unit: fc
      .integer({ min: 0x20, max: 0xff })
      .filter((c) => c !== 0x7f)
      .map((c) => String.fromCharCode(c)),
    maxLength: 80,
  }),
  fc.integer({ min: 1, max: 8_000 }).map((n) => 'k'.repeat(n)),
);

/** Credentials: none, the right key in either header, a wrong one, or garbage in their place. */
export function credentials(keys: readonly string[]): fc.Arbitrary<Record<string, string>> {
  const key = keys.length ? fc.constantFrom(...keys) : fc.constant('no-such-key');
  return fc.oneof(
    fc.constant({}),
    key.map((k) => ({ authorization: `Bearer ${k}` })),
    key.map((k) => ({ 'x-api-key': k })),
    key.map((k) => ({ authorization: `bearer   ${k}  ` })),
    key.map((k) => ({ authorization: `Basic ${k}` })),
    key.map((k) => ({ authorization: `Bearer ${k} extra` })),
    key.map((k) => ({ authorization: `Bearer ${k}x`, 'x-api-key': k })),
    headerValue.map((v) => ({ authorization: v })),
    headerValue.map((v) => ({ authorization: `Bearer ${v}` })),
    headerValue.map((v) => ({ 'x-api-key': v })),
  );
}
