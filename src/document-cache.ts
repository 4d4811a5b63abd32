/**
 * The parsed-document cache Yoga consults before parsing. Yoga's default holds 1,024 documents of any
 * size and 1,024 parse errors, and parsing comes before authentication, so anybody could pin a gigabyte
 * with large distinct documents. This one keeps only documents of ordinary size (what clients really
 * send, again and again), at most `max` of them, least recently used out first. Validation results are
 * cached by Yoga per document object, so they go with their document.
 */
import type { DocumentNode } from 'graphql';

export interface DocumentCacheOptions {
  /** Documents kept at most. */
  max: number;
  /** Longer documents are parsed every time instead. */
  maxLength: number;
}

export class DocumentCache {
  readonly #entries = new Map<string, DocumentNode>();
  readonly #options: DocumentCacheOptions;

  constructor(options: DocumentCacheOptions) {
    this.#options = options;
  }

  get(source: string): DocumentNode | undefined {
    const document = this.#entries.get(source);
    if (document) {
      this.#entries.delete(source);
      this.#entries.set(source, document);
    }
    return document;
  }

  set(source: string, document: DocumentNode): void {
    if (source.length > this.#options.maxLength) return;
    this.#entries.delete(source);
    this.#entries.set(source, document);
    if (this.#entries.size > this.#options.max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }
}

/** Parse errors are not kept: a failed document costs its parse again, never memory. */
export const NO_ERROR_CACHE = { get: (): undefined => undefined, set: (): void => undefined };
