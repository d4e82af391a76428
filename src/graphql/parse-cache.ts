// Yoga's parse cache (document text → parsed document, text → parse error) bounded by the
// memory its entries hold rather than by their number: a parsed document keeps every token of
// its text, and Yoga's default (1,024 entries of any size) held ~2 GB of heap (3.3 GB RSS)
// after one 9 MB document.
import type { DocumentNode, Token } from 'graphql';

/** A least-recently-used cache, keyed by text, whose entries together weigh at most `maxWeight`. */
export class WeightedLruCache<Value> {
  /** In order of use: the first entry is the least recently used (a Map keeps insertion order). */
  private readonly entries = new Map<string, { value: Value; weight: number }>();
  private totalWeight = 0;

  constructor(
    private readonly maxWeight: number,
    private readonly weigh: (key: string, value: Value) => number,
  ) {}

  get(key: string): Value | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Stores the entry, evicting the least recently used ones; an entry heavier than the whole cache is not stored. */
  set(key: string, value: Value): void {
    this.remove(key);
    const weight = this.weigh(key, value);
    if (weight > this.maxWeight) return;
    this.entries.set(key, { value, weight });
    this.totalWeight += weight;
    for (const oldestKey of this.entries.keys()) {
      if (this.totalWeight <= this.maxWeight) break;
      this.remove(oldestKey);
    }
  }

  /** The summed weight of the entries held. */
  get weight(): number {
    return this.totalWeight;
  }

  get size(): number {
    return this.entries.size;
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.totalWeight -= entry.weight;
  }
}

/**
 * Heap bytes held by a cached document, with its validation result and graphql-jit's compiled
 * query (both live as long as the document is cached), measured on this server: ~100 KB for a
 * small document — most of it the compiled query — and ~450 more per token of its text (the
 * AST's locations keep every token, comments included).
 */
const bytesPerDocument = 100_000;
const bytesPerToken = 500;

/** Estimated heap bytes of a cached document: its text (UTF-16 at worst), its tokens, and the rest. */
export function documentWeight(text: string, document: DocumentNode): number {
  let tokenCount = 0;
  for (let token: Token | null | undefined = document.loc?.startToken; token; token = token.next) tokenCount++;
  return bytesPerDocument + bytesPerToken * tokenCount + 2 * text.length;
}

/** A cached parse error holds the text it was raised for (its Source) and a few small objects. */
function parseErrorWeight(text: string): number {
  return 2 * text.length + 1024;
}

export interface ParseCacheLimits {
  /**
   * Estimated heap bytes of cached documents (see documentWeight).
   * @default 32 MiB: ~200 documents of 100 tokens, or a dozen of the largest allowed (5,000
   *   tokens); a client sends a few dozen distinct documents over and over
   */
  maxDocumentBytes: number;
  /** Heap bytes of cached parse errors. @default 4 MiB */
  maxErrorBytes: number;
}

export const defaultParseCacheLimits: ParseCacheLimits = {
  maxDocumentBytes: 32 * 1024 * 1024,
  maxErrorBytes: 4 * 1024 * 1024,
};

/** Yoga's `parserAndValidationCache` option; validation results are keyed weakly by the cached document. */
export function createParseCache(limits: ParseCacheLimits = defaultParseCacheLimits) {
  return {
    documentCache: new WeightedLruCache<DocumentNode>(limits.maxDocumentBytes, documentWeight),
    errorCache: new WeightedLruCache<unknown>(limits.maxErrorBytes, parseErrorWeight),
    validationCache: true,
  };
}
