/**
 * Bad input of every kind: each answers 400 (or 413/415) in the envelope, never a 5xx, never reaches Bing,
 * and the server still answers afterwards.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.js';
import { QUICK, expectError, expectSuccess, rawPost, rest } from './http.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ sim: QUICK });
});
afterAll(() => stack.close());
beforeEach(() => stack.sim.reset());

const image = (json: unknown) => rest(stack.url, '/create/image', { json });

describe('query', () => {
  it.each([
    ['missing', {}],
    ['null', { query: null }],
    ['empty', { query: '' }],
    ['blank', { query: ' \t\n ' }],
    ['a number', { query: 42 }],
    ['an array', { query: ['a cat'] }],
    ['an object', { query: { text: 'a cat' } }],
    ['a boolean', { query: true }],
    ['over the length limit', { query: 'a'.repeat(481) }],
  ])('%s answers 400 naming the field', async (_, body) => {
    expect(expectError(await image(body), 400, 'invalid_request_error')).toContain('query');
    expect(expectError(await rest(stack.url, '/create/video', { json: body }), 400, 'invalid_request_error')).toContain(
      'query',
    );
    expect(stack.sim.submits()).toEqual([]);
  });

  it('says what the limit is', async () => {
    expect(expectError(await image({ query: 'b'.repeat(600) }), 400, 'invalid_request_error')).toMatch(/600.*480/);
  });

  it('takes a prompt of exactly the limit', async () => {
    const data = expectSuccess(await image({ query: 'c'.repeat(480) }));
    expect(data.prompt).toHaveLength(480);
  });
});

describe('model and aspect', () => {
  it.each([
    ['an unknown model name', { model: 'DALLE4' }, 'model', /DALLE \(0\), GPT4O \(1\), MAI1 \(4\)/],
    ['an unknown model number', { model: 7 }, 'model', /DALLE \(0\)/],
    ['an unknown model numeric string', { model: '7' }, 'model', /GPT4O \(1\)/],
    ['a fractional model', { model: 1.5 }, 'model', /MAI1 \(4\)/],
    ['a boolean model', { model: true }, 'model', /DALLE/],
    ['a negative model', { model: -1 }, 'model', /DALLE/],
    ['an unknown aspect name', { aspect: 'WIDE' }, 'aspect', /SQUARE \(1\), LANDSCAPE \(2\), PORTRAIT \(3\)/],
    ['an unknown aspect number', { aspect: 9 }, 'aspect', /SQUARE \(1\)/],
    ['a video aspect for an image', { aspect: 4 }, 'aspect', /PORTRAIT \(3\)/],
  ])('%s answers 400 naming the field and the valid values', async (_, fields, field, valid) => {
    const message = expectError(await image({ query: 'a cat', ...fields }), 400, 'invalid_request_error');
    expect(message).toContain(field);
    expect(message).toMatch(valid);
    expect(stack.sim.submits()).toEqual([]);
  });

  it('an image aspect for a video answers 400', async () => {
    const message = expectError(
      await rest(stack.url, '/create/video', { json: { query: 'waves', aspect: 'SQUARE' } }),
      400,
      'invalid_request_error',
    );
    expect(message).toMatch(/aspect.*PORTRAIT \(4\), LANDSCAPE \(5\)/);
    expect(stack.sim.submits()).toEqual([]);
  });

  it.each([
    [{ model: 'gpt4o', aspect: 'portrait' }, 'GPT4O', 'PORTRAIT', { mdl: '1', ar: '3' }],
    [{ model: 4, aspect: 2 }, 'MAI1', 'LANDSCAPE', { mdl: '4', ar: '2' }],
    [{ model: '1', aspect: '3' }, 'GPT4O', 'PORTRAIT', { mdl: '1', ar: '3' }],
    [{ model: 0, aspect: 1 }, 'DALLE', 'SQUARE', { mdl: '0', ar: '1' }],
    [{ model: '', aspect: null }, 'DALLE', 'SQUARE', { mdl: '0', ar: '1' }],
  ])('%j is %s %s', async (fields, model, aspect, codes) => {
    const data = expectSuccess(await image({ query: 'a cat', ...fields }));
    expect([data.model, data.aspect]).toEqual([model, aspect]);
    expect(stack.sim.submits()[0]!.query).toMatchObject(codes);
  });
});

describe('bodies', () => {
  it.each([
    ['malformed JSON', '{"query": "a cat"', /not valid JSON/],
    ['a JSON array', '[{"query": "a cat"}]', /JSON object/],
    ['JSON null', 'null', /JSON object/],
    ['a JSON string', '"a cat"', /JSON object/],
    ['a JSON number', '42', /JSON object/],
  ])('%s answers 400', async (_, body, message) => {
    const answer = await rest(stack.url, '/create/image', { body, headers: { 'content-type': 'application/json' } });
    expect(expectError(answer, 400, 'invalid_request_error')).toMatch(message);
  });

  it('invalid UTF-8 answers 400', async () => {
    const bytes = Buffer.concat([Buffer.from('{"query": "caf'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    const answer = await rawPost(stack.url, '/create/image', bytes, { 'content-type': 'application/json' });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      error: { message: 'The request body is not valid UTF-8.', type: 'invalid_request_error' },
    });
  });

  it('an urlencoded form works', async () => {
    const body = new URLSearchParams({ query: 'a cat & a dog', model: 'gpt4o', aspect: '3' }).toString();
    const answer = await rest(stack.url, '/create/image', {
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const data = expectSuccess(answer);
    expect(data).toMatchObject({ model: 'GPT4O', aspect: 'PORTRAIT' });
    expect(stack.sim.submits()[0]!.query.q).toBe('a cat & a dog');
  });

  it('a JSON body without a Content-Type works', async () => {
    const answer = await rawPost(stack.url, '/create/image', JSON.stringify({ query: 'an owl' }));
    expect(answer.status).toBe(200);
    expect(answer.body.data.prompt).toBe('an owl');
  });

  it('JSON with a charset and a byte order mark works', async () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"query":"a café"}')]);
    const answer = await rawPost(stack.url, '/create/image', body, {
      'content-type': 'application/json; charset=utf-8',
    });
    expect(answer.status).toBe(200);
    expect(answer.body.data.prompt).toBe('a café');
  });

  it.each([
    ['text/plain', { 'content-type': 'text/plain' }, '{"query":"a cat"}'],
    ['multipart', { 'content-type': 'multipart/form-data; boundary=x' }, '--x--'],
    ['no Content-Type and no JSON', {}, 'query=a cat'],
    ['a Content-Encoding', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, '{"query":"a cat"}'],
  ])('%s answers 415', async (_, headers, body) => {
    const answer = await rawPost(stack.url, '/create/image', body, headers);
    expect(answer.status).toBe(415);
    expect(answer.body.error.type).toBe('invalid_request_error');
    expect(answer.body.error.message).toMatch(/application\/json/);
    expect(stack.sim.submits()).toEqual([]);
  });

  it('an empty body asks for the query', async () => {
    const answer = await rest(stack.url, '/create/image', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    expect(expectError(answer, 400, 'invalid_request_error')).toMatch(/query/);
  });
});

describe('the body limit', () => {
  const huge = 'x'.repeat(5 * 1024 * 1024);

  it('a 5 MB body with its length answers 413 and closes the connection', async () => {
    const answer = await rest(stack.url, '/create/image', {
      body: JSON.stringify({ query: huge }),
      headers: { 'content-type': 'application/json' },
    });
    expect(expectError(answer, 413, 'invalid_request_error')).toMatch(/102400 bytes/);
    expect(answer.headers.get('connection')).toBe('close');
  });

  it('a chunked body (no length) answers 413 while it is still being sent', async () => {
    // Far more than the socket buffers hold, made only as fast as it is sent.
    const total = 64 * 1024 * 1024;
    const chunk = new TextEncoder().encode(huge.slice(0, 64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= total) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const response = await fetch(`${stack.url}/create/image`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(((await response.json()) as any).error.type).toBe('invalid_request_error');
    expect(sent).toBeLessThan(total);
  });

  it('a body just under the limit is read', async () => {
    const body = JSON.stringify({ query: 'a cat', padding: 'p'.repeat(100_000) });
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(102_400);
    expectSuccess(await rest(stack.url, '/create/image', { body, headers: { 'content-type': 'application/json' } }));
  });

  it('leaves the server answering', async () => {
    expectSuccess(await rest(stack.url, '/health'));
    expect(stack.logs.filter((line) => JSON.parse(line).level >= 50)).toEqual([]);
  });
});
