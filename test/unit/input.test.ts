/** tasks/input.ts: the one validation of prompts, models and aspects that GraphQL and REST share. */
import { describe, expect, it } from 'vitest';
import { parseImageInput, parsePrompt, parseVideoInput } from '../../src/tasks/input.js';

describe('input', () => {
  it('cleans a prompt and bounds its length', () => {
    expect(parsePrompt(' a\tb\r\nc\u0007 ', 10)).toBe('a b c');
    expect(() => parsePrompt(undefined, 10)).toThrow(
      expect.objectContaining({ code: 'INVALID_REQUEST', field: 'query' }),
    );
    expect(() => parsePrompt(' \u0000 ', 10)).toThrow(/must not be empty/);
    expect(() => parsePrompt('x'.repeat(11), 10)).toThrow(/11 characters long; the limit is 10/);
    expect(() => parsePrompt(5, 10)).toThrow(/must be a string/);
  });

  it('takes a model or aspect by name in any case or by value, with the defaults', () => {
    expect(parseImageInput({ query: 'x' }, 10)).toEqual({ prompt: 'x', model: 'DALLE', aspect: 'SQUARE' });
    expect(parseImageInput({ query: 'x', model: 'gpt4o', aspect: '2' }, 10)).toEqual({
      prompt: 'x',
      model: 'GPT4O',
      aspect: 'LANDSCAPE',
    });
    expect(parseImageInput({ query: 'x', model: 4, aspect: 'Portrait' }, 10)).toMatchObject({
      model: 'MAI1',
      aspect: 'PORTRAIT',
    });
    expect(parseVideoInput({ query: 'x' }, 10)).toEqual({ prompt: 'x', aspect: 'PORTRAIT' });
    expect(parseVideoInput({ query: 'x', aspect: 5 }, 10)).toEqual({ prompt: 'x', aspect: 'LANDSCAPE' });
  });

  it('names the field and its choices when a value is not one', () => {
    expect(() => parseImageInput({ query: 'x', model: 2 }, 10)).toThrow(
      expect.objectContaining({
        field: 'model',
        message: 'Invalid parameter: model must be one of DALLE (0), GPT4O (1), MAI1 (4).',
      }),
    );
    expect(() => parseImageInput({ query: 'x', aspect: 1.5 }, 10)).toThrow(
      expect.objectContaining({ field: 'aspect' }),
    );
    expect(() => parseVideoInput({ query: 'x', aspect: 'SQUARE' }, 10)).toThrow(/PORTRAIT \(4\), LANDSCAPE \(5\)/);
  });
});
