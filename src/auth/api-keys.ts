/**
 * API keys: configured plainly (API_KEYS) or as SHA-256 hashes in a file (API_KEYS_FILE). A presented key
 * is hashed and compared with every stored hash in constant time; callers are named by a short id derived
 * from the hash, never by the key.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

const HEX_HASH = /^(?:sha256:)?([0-9a-f]{64})$/i;

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export type Identification = { ok: true; owner: string } | { ok: false; reason: 'missing' | 'invalid' };

export class ApiKeys {
  readonly #hashes: Buffer[];
  /** The keys configured in clear (not the hashed ones): what logs must never show. */
  readonly plain: readonly string[];

  private constructor(hashes: Buffer[], plain: string[]) {
    this.#hashes = hashes;
    this.plain = plain;
  }

  /** Plain keys, and lines of a keys file: `sha256:<hex>` or 64 hex digits are hashes, anything else a key. */
  static from(plain: readonly string[], file?: string): ApiKeys {
    const keys = [...plain];
    const hashes: Buffer[] = [];
    if (file) {
      for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
        const entry = line.trim();
        if (!entry || entry.startsWith('#')) continue;
        const hash = HEX_HASH.exec(entry)?.[1];
        if (hash) hashes.push(Buffer.from(hash, 'hex'));
        else keys.push(entry);
      }
    }
    return new ApiKeys([...keys.map(sha256), ...hashes], keys);
  }

  get enabled(): boolean {
    return this.#hashes.length > 0;
  }

  identify(presented: string | undefined): Identification {
    if (!presented) return { ok: false, reason: 'missing' };
    const hash = sha256(presented);
    let match: Buffer | undefined;
    for (const stored of this.#hashes) {
      if (timingSafeEqual(stored, hash) && !match) match = stored;
    }
    return match ? { ok: true, owner: `key_${match.toString('hex').slice(0, 12)}` } : { ok: false, reason: 'invalid' };
  }
}

/** The key a request presents: `Authorization: Bearer <key>`, or `x-api-key: <key>`. */
export function presentedKey(authorization: unknown, apiKeyHeader: unknown): string | undefined {
  if (typeof authorization === 'string') {
    const bearer = /^\s*Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
    if (bearer) return bearer;
  }
  if (typeof apiKeyHeader === 'string' && apiKeyHeader.trim()) return apiKeyHeader.trim();
  return undefined;
}
