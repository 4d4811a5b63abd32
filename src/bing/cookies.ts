/**
 * An account's credential: the `_U` value alone, or a whole `Cookie:` header value pasted from the
 * browser. Either way it becomes a set of cookies, every one of which is sent; the set is named outside
 * this folder only by its fingerprint.
 */
import { createHash } from 'node:crypto';

/** One configured Bing account. */
export interface AccountCredential {
  /** The `_U` value alone, or a full `Cookie:` header value (`_U=...; MUID=...; ...`). */
  cookie: string;
  /** An http(s) proxy URL for this account's requests; overrides HTTPS_PROXY / HTTP_PROXY. */
  proxy?: string | undefined;
  /** A name for logs and health; never derived from the cookie. */
  label?: string | undefined;
}

export type CookieJar = ReadonlyMap<string, string>;

const PAIR_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Whether a credential is a cookie header (name=value pairs) rather than a bare `_U` value. */
export function isCookieHeader(credential: string): boolean {
  const first = credential.split(';', 1)[0] ?? '';
  const eq = first.indexOf('=');
  return eq > 0 && PAIR_NAME.test(first.slice(0, eq).trim());
}

/** The cookies of a credential, in the order given; a bare value is `_U`. A later pair of one name wins. */
export function parseCookies(credential: string): Map<string, string> {
  const jar = new Map<string, string>();
  const text = credential.trim().replace(/^cookie:\s*/i, '');
  if (!isCookieHeader(text)) {
    if (text !== '') jar.set('_U', text);
    return jar;
  }
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (PAIR_NAME.test(name)) jar.set(name, value);
  }
  return jar;
}

/** The `Cookie:` header of a jar, with `extra` pairs set over it. */
export function cookieHeader(jar: CookieJar, extra: Record<string, string> = {}): string {
  const merged = new Map(jar);
  for (const [name, value] of Object.entries(extra)) merged.set(name, value);
  return [...merged].map(([name, value]) => `${name}=${value}`).join('; ');
}

/**
 * A short, one-way fingerprint: of the `_U` value when the set has one, so that an account keeps its
 * name when its other cookies are refreshed (and a `_U` alone keeps the name it always had).
 */
export function accountId(jar: CookieJar, credential: string): string {
  const key = jar.get('_U') ?? credential.trim();
  return createHash('sha256').update(key).digest('hex').slice(0, 12);
}

/** Every value a log line must never hold: whole credentials and each cookie value of each set. */
export function credentialSecrets(credentials: ReadonlyArray<AccountCredential | string>): string[] {
  const secrets: string[] = [];
  for (const item of credentials) {
    const credential = typeof item === 'string' ? { cookie: item } : item;
    secrets.push(credential.cookie, ...parseCookies(credential.cookie).values());
    if (credential.proxy) secrets.push(...proxySecrets(credential.proxy));
  }
  return secrets;
}

/** The user name and password of a proxy URL, and the URL itself, when it carries credentials. */
export function proxySecrets(proxy: string): string[] {
  try {
    const url = new URL(proxy);
    if (!url.username && !url.password) return [];
    return [proxy, decodeURIComponent(url.username), decodeURIComponent(url.password)].filter((s) => s !== '');
  } catch {
    return [proxy];
  }
}

/** A proxy as it may be named in an error or a log line: scheme, host and port, no credentials. */
export function proxyName(proxy: string): string {
  try {
    const url = new URL(proxy);
    return `${url.protocol}//${url.host}`;
  } catch {
    return 'the configured proxy';
  }
}
