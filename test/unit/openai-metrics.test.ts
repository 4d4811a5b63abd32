/** The OpenAI request mapping and the metrics' route names, in process. */
import { describe, expect, it } from 'vitest';
import { parseImageRequest } from '../../src/openai/generations.js';
import { routeOf } from '../../src/metrics/requests.js';

describe('parseImageRequest', () => {
  it('maps OpenAI names and sizes to the vocabulary, with OpenAI defaults', () => {
    expect(parseImageRequest({ prompt: 'a cat' })).toEqual({
      prompt: 'a cat',
      model: 'DALLE',
      aspect: 'SQUARE',
      n: 1,
      format: 'url',
    });
    expect(parseImageRequest({ prompt: 'a', model: 'gpt-image-1', size: '1024x1536' })).toMatchObject({
      model: 'GPT4O',
      aspect: 'PORTRAIT',
    });
    expect(parseImageRequest({ prompt: 'a', model: 'MAI1', size: '1792x1024' })).toMatchObject({
      model: 'MAI1',
      aspect: 'LANDSCAPE',
    });
    expect(parseImageRequest({ prompt: 'a', n: 4 })).toMatchObject({ n: 4 });
  });

  it.each([
    [{}, 'prompt'],
    [{ prompt: 'a', model: 'dall-e-2' }, 'model'],
    [{ prompt: 'a', n: 0 }, 'n'],
    [{ prompt: 'a', n: 1.5 }, 'n'],
    [{ prompt: 'a', n: '2' }, 'n'],
    [{ prompt: 'a', model: 'GPT4O', n: 2 }, 'n'],
    [{ prompt: 'a', size: 'auto' }, 'size'],
    [{ prompt: 'a', response_format: 'png' }, 'response_format'],
  ])('%j is a 400 naming %s', (body, param) => {
    expect(parseImageRequest(body)).toMatchObject({ status: 400, body: { error: { param } } });
  });
});

describe('routeOf', () => {
  it.each([
    ['/graphql', '/graphql'],
    ['/graphql/stream', '/graphql'],
    ['/task/123', '/task/:id'],
    ['/TASK/abc/', '/task/:id'],
    ['/v1/models/dall-e-3', '/v1/models/:id'],
    ['/Create/Image', '/create/image'],
    ['/', '/'],
    ['/health/', '/health'],
    ['/wp-admin.php', 'other'],
  ])('%s is %s', (path, route) => {
    expect(routeOf(path)).toBe(route);
  });
});
