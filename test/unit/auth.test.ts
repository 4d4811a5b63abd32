/** auth/: API keys (plain and hashed), the caller of a request, and secrets kept out of logs. */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApiKeys, presentedKey } from '../../src/auth/api-keys.js';
import { Authenticator } from '../../src/auth/caller.js';
import { redactor } from '../../src/auth/redact.js';

describe('ApiKeys', () => {
  it('identifies a configured key, plain or hashed in a file, never an unknown one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keys-'));
    try {
      const file = join(dir, 'keys');
      writeFileSync(file, `# comment\nsha256:${createHash('sha256').update('from-file').digest('hex')}\n`);
      const keys = ApiKeys.from(['plain-key'], file);
      expect(keys.enabled).toBe(true);
      const plain = keys.identify('plain-key');
      const hashed = keys.identify('from-file');
      expect(plain.ok && hashed.ok && plain.owner !== hashed.owner).toBe(true);
      expect(keys.identify('other')).toEqual({ ok: false, reason: 'invalid' });
      expect(keys.identify(undefined)).toEqual({ ok: false, reason: 'missing' });
      expect(JSON.stringify(plain)).not.toContain('plain-key');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads a key from Authorization: Bearer or x-api-key', () => {
    expect(presentedKey('Bearer abc', undefined)).toBe('abc');
    expect(presentedKey(undefined, 'xyz')).toBe('xyz');
    expect(presentedKey(undefined, undefined)).toBeUndefined();
  });
});

describe('Authenticator', () => {
  it('without keys, names the caller by address, through the trusted proxies only', () => {
    const open = new Authenticator(ApiKeys.from([]), 1);
    expect(open.required).toBe(false);
    expect(open.fromHeaders({ 'x-forwarded-for': 'spoofed, 10.0.0.9' }, '127.0.0.1')).toEqual({
      ok: true,
      caller: { owner: null, client: 'ip:10.0.0.9', admin: 'forbidden' },
    });
    const direct = new Authenticator(ApiKeys.from([]), 0);
    expect(direct.clientAddress({ 'x-forwarded-for': '10.0.0.9' }, '127.0.0.1')).toBe('127.0.0.1');
  });

  it('with keys, requires one, from headers or a WebSocket connection_init', () => {
    const auth = new Authenticator(ApiKeys.from(['k1']), 0);
    expect(auth.required).toBe(true);
    expect(auth.fromHeaders({}, '127.0.0.1')).toEqual({ ok: false, reason: 'missing' });
    expect(auth.fromHeaders({ authorization: 'Bearer nope' }, '127.0.0.1')).toEqual({ ok: false, reason: 'invalid' });
    const ok = auth.fromConnection({ authorization: 'Bearer k1' }, {}, '127.0.0.1');
    expect(ok.ok && ok.caller.owner).toBeTruthy();
  });
});

describe('redactor', () => {
  it('takes every secret out of a text', () => {
    const scrub = redactor(['cookie-value-123', 'key-456789']);
    const text = scrub('cookie=cookie-value-123; key=key-456789; ok');
    expect(text).not.toContain('cookie-value-123');
    expect(text).not.toContain('key-456789');
    expect(text).toContain('ok');
  });
});
