// The parse cache's bound: entries are weighed, the least recently used leave first, and one
// entry heavier than the whole cache is never stored.
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { documentWeight, WeightedLruCache } from '../../src/graphql/parse-cache.js';

const byLength = (key: string) => key.length;

describe('WeightedLruCache', () => {
  it('evicts the least recently used entries once the weights pass the bound', () => {
    const cache = new WeightedLruCache<number>(10, byLength);
    cache.set('aaaa', 1);
    cache.set('bbbb', 2);
    expect(cache.get('aaaa')).toBe(1); // now 'bbbb' is the least recently used
    cache.set('cccc', 3);
    expect(cache.get('bbbb')).toBeUndefined();
    expect(cache.get('aaaa')).toBe(1);
    expect(cache.get('cccc')).toBe(3);
    expect(cache.weight).toBe(8);
  });

  it('does not store an entry heavier than the whole cache, and keeps the others', () => {
    const cache = new WeightedLruCache<number>(10, byLength);
    cache.set('aaaa', 1);
    cache.set('x'.repeat(11), 2);
    expect(cache.get('x'.repeat(11))).toBeUndefined();
    expect(cache.get('aaaa')).toBe(1);
    expect(cache.size).toBe(1);
  });

  it('replacing an entry counts its weight once', () => {
    const cache = new WeightedLruCache<number>(10, byLength);
    cache.set('aaaa', 1);
    cache.set('aaaa', 2);
    expect(cache.get('aaaa')).toBe(2);
    expect(cache.weight).toBe(4);
  });
});

describe('documentWeight', () => {
  it('grows with the tokens a parsed document keeps, comments included', () => {
    const small = '{ __typename }';
    const commented = `${small}\n${'# a comment\n'.repeat(1000)}`;
    const manyFields = `{ ${'__typename '.repeat(1000)}}`;
    expect(documentWeight(commented, parse(commented)) - documentWeight(small, parse(small))).toBeGreaterThan(
      1000 * 100,
    );
    expect(documentWeight(manyFields, parse(manyFields)) - documentWeight(small, parse(small))).toBeGreaterThan(
      1000 * 100,
    );
  });
});
