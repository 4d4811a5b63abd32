/** document-cache.ts: ordinary documents kept, least recently used out first, long ones never. */
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DocumentCache, NO_ERROR_CACHE } from '../../src/document-cache.js';

describe('DocumentCache', () => {
  it('keeps at most max documents, evicting the least recently used', () => {
    const cache = new DocumentCache({ max: 2, maxLength: 100 });
    const [a, b, c] = ['{ a }', '{ b }', '{ c }'];
    for (const source of [a, b]) cache.set(source!, parse(source!));
    expect(cache.get(a!)).toBeDefined();
    cache.set(c!, parse(c!));
    expect(cache.get(b!)).toBeUndefined();
    expect(cache.get(a!)).toBeDefined();
    expect(cache.get(c!)).toBeDefined();
  });

  it('never keeps a document longer than maxLength, nor errors', () => {
    const cache = new DocumentCache({ max: 10, maxLength: 5 });
    cache.set('{ long }', parse('{ long }'));
    expect(cache.get('{ long }')).toBeUndefined();
    NO_ERROR_CACHE.set();
    expect(NO_ERROR_CACHE.get()).toBeUndefined();
  });
});
