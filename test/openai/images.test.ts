/** The official `openai` client, unmodified, against a real server over the simulator. */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.js';
import { QUICK } from '../rest/http.js';

const KEY = 'openai-test-key-5d0c2a91';

let stack: Stack;
let client: OpenAI;
beforeAll(async () => {
  stack = await startStack({ sim: QUICK, env: { API_KEYS: KEY } });
  client = new OpenAI({ apiKey: KEY, baseURL: `${stack.url}/v1`, maxRetries: 0, timeout: 30_000 });
});
afterAll(() => stack.close());

/** A submit to Bing with these query parameters. */
const sent = (query: Record<string, string>) => expect.objectContaining({ query: expect.objectContaining(query) });

async function failure(call: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const error = await call.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(OpenAI.APIError);
  return error as InstanceType<typeof OpenAI.APIError>;
}

describe('images.generate', () => {
  it('answers URLs with the revised prompt', async () => {
    const result = await client.images.generate({ model: 'dall-e-3', prompt: 'a lighthouse at dawn', n: 2 });
    expect(result.created).toBeGreaterThan(1_700_000_000);
    expect(result.data).toHaveLength(2);
    for (const image of result.data ?? []) {
      expect(image.url).toMatch(/^https:\/\/.+\/th\/id\//);
      expect(image.revised_prompt).toEqual(expect.any(String));
      expect(image.b64_json).toBeUndefined();
    }
    expect(stack.sim.submits()).toContainEqual(sent({ mdl: '0' }));
  });

  it('answers b64_json with the image bytes, fetched through the host checks', async () => {
    const result = await client.images.generate({
      model: 'gpt-image-1',
      prompt: 'a red fox [sim:urls=origin]',
      size: '1536x1024',
      response_format: 'b64_json',
    });
    expect(result.data).toHaveLength(1);
    const bytes = Buffer.from(result.data?.[0]?.b64_json ?? '', 'base64');
    expect([...bytes.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    expect(result.data?.[0]?.url).toBeUndefined();
    expect(stack.sim.submits()).toContainEqual(sent({ mdl: '1', ar: '2' }));
  });

  it('takes the project model names and portrait sizes', async () => {
    const result = await client.images.generate({ model: 'MAI1', prompt: 'a quiet harbour', size: '1024x1792' });
    expect(result.data).toHaveLength(1);
    expect(stack.sim.submits()).toContainEqual(sent({ mdl: '4', ar: '3' }));
  });
});

describe('OpenAI-shaped errors', () => {
  it('a blocked prompt is a 400 content_policy_violation', async () => {
    const error = await failure(client.images.generate({ model: 'dall-e-3', prompt: 'something [sim:blocked]' }));
    expect(error.status).toBe(400);
    expect(error.code).toBe('content_policy_violation');
    expect(error.type).toBe('invalid_request_error');
    expect(error.message).toMatch(/blocked|policy|rejected/i);
  });

  it('a size outside the list is a 400 naming size, with nothing sent to Bing', async () => {
    const before = stack.sim.submits().length;
    const error = await failure(client.images.generate({ prompt: 'a cat', size: '512x512' }));
    expect(error.status).toBe(400);
    expect(error.param).toBe('size');
    expect(error.message).toMatch(/512x512.*1024x1024/);
    expect(stack.sim.submits()).toHaveLength(before);
  });

  it('n past what the model returns is a 400 naming n', async () => {
    const error = await failure(client.images.generate({ model: 'gpt-image-1', prompt: 'a cat', n: 2 }));
    expect(error.status).toBe(400);
    expect(error.param).toBe('n');
    expect(error.message).toMatch(/1 to 1/);
    const dalle = await failure(client.images.generate({ model: 'dall-e-3', prompt: 'a cat', n: 5 }));
    expect(dalle.param).toBe('n');
  });

  it('an unknown model is a 400 model_not_found', async () => {
    const error = await failure(client.images.generate({ model: 'dall-e-2', prompt: 'a cat' }));
    expect(error.status).toBe(400);
    expect(error.code).toBe('model_not_found');
  });

  it('a wrong key is a 401 invalid_api_key', async () => {
    const stranger = new OpenAI({ apiKey: 'not-a-key', baseURL: `${stack.url}/v1`, maxRetries: 0 });
    const error = await failure(stranger.images.generate({ prompt: 'a cat' }));
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error.code).toBe('invalid_api_key');
    expect(JSON.stringify(error)).not.toContain('not-a-key');
  });

  it('a prompt past the length limit is a 400 naming prompt', async () => {
    const error = await failure(client.images.generate({ prompt: 'x'.repeat(5_000) }));
    expect(error.status).toBe(400);
    expect(error.param).toBe('prompt');
    expect(error.message).toMatch(/prompt is 5000 characters/);
  });
});

describe('models', () => {
  it('lists every accepted name and retrieves one', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(['dall-e-3', 'gpt-image-1', 'DALLE', 'GPT4O', 'MAI1']);
    expect((await client.models.retrieve('gpt-image-1')).id).toBe('gpt-image-1');
    expect((await failure(client.models.retrieve('gpt-5'))).status).toBe(404);
  });
});

describe('upstream failures and limits', () => {
  let limited: Stack;
  let open: OpenAI;
  beforeAll(async () => {
    limited = await startStack({ sim: QUICK, env: { IMAGE_DEADLINE: '1s', RATE_LIMIT_PER_MINUTE: '3' } });
    open = new OpenAI({ apiKey: 'unused', baseURL: `${limited.url}/v1`, maxRetries: 0 });
  });
  afterAll(() => limited.close());

  it('Bing failing is a 502 upstream_error', async () => {
    const error = await failure(open.images.generate({ prompt: 'a cat [sim:unavailable]' }));
    expect(error.status).toBe(502);
    expect(error.code).toBe('upstream_error');
  });

  it('a generation past its deadline is a 504 timeout', async () => {
    const error = await failure(open.images.generate({ prompt: 'a cat [sim:never]' }));
    expect(error.status).toBe(504);
    expect(error.code).toBe('timeout');
  });

  it('past the rate limit is a 429 with Retry-After, shared with REST', async () => {
    const rest = await fetch(`${limited.url}/create/image`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'a dog' }),
    });
    expect(rest.status).toBe(200);
    const error = await failure(open.images.generate({ prompt: 'a cat' }));
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error.code).toBe('rate_limit_exceeded');
    expect(Number(error.headers?.['retry-after'])).toBeGreaterThan(0);
  });

  it('answers bad bodies and unknown routes in the same shape', async () => {
    const post = (body: string) =>
      fetch(`${limited.url}/v1/images/generations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    const broken = await post('{"prompt": ');
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_body' } });
    const format = await post('{"prompt":"a cat","response_format":"png"}');
    expect(await format.json()).toMatchObject({ error: { param: 'response_format' } });
    const unknown = await fetch(`${limited.url}/v1/chat/completions`, { method: 'POST' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'not_found' } });
    const method = await fetch(`${limited.url}/v1/images/generations`);
    expect(method.status).toBe(405);
    expect(method.headers.get('allow')).toBe('POST');
  });
});
