import { describe, expect, it } from 'vitest';
import { accountId } from '../../src/bing/accounts.js';
import {
  cookieHeader,
  credentialSecrets,
  isCookieHeader,
  parseCookies,
  proxyName,
  proxySecrets,
} from '../../src/bing/cookies.js';
import { bypassesProxy } from '../../src/bing/proxy.js';

describe('credentials', () => {
  it('a bare value is the _U cookie; a header is every pair of it, in order', () => {
    expect([...parseCookies(' abc123 ')]).toEqual([['_U', 'abc123']]);
    expect(isCookieHeader('abc123')).toBe(false);
    const set = 'Cookie: MUID=1; _EDGE_S=SID=AB&mkt=en-us; _U=uu; KievRPSSecAuth=FAB==; ;junk; MUID=2';
    expect([...parseCookies(set)]).toEqual([
      ['MUID', '2'],
      ['_EDGE_S', 'SID=AB&mkt=en-us'],
      ['_U', 'uu'],
      ['KievRPSSecAuth', 'FAB=='],
    ]);
    expect(cookieHeader(parseCookies('a=1; b=2'), { b: '3', c: '4' })).toBe('a=1; b=3; c=4');
  });

  it("the fingerprint is the _U value's: the same for _U alone, _U=..., and a full set", () => {
    expect(accountId('uu')).toBe(accountId('_U=uu'));
    expect(accountId('uu')).toBe(accountId('MUID=1; _U=uu; _SS=x'));
    expect(accountId('uu')).toMatch(/^[0-9a-f]{12}$/);
    expect(accountId('uu')).not.toBe(accountId('vv'));
  });

  it("the secrets of a credential: the whole string, every value, and a proxy's credentials", () => {
    const secrets = credentialSecrets([
      'plain-u',
      { cookie: 'MUID=m-value; _U=u-value', proxy: 'http://bob:pa%24s@proxy.example:3128' },
    ]);
    expect(secrets).toEqual(
      expect.arrayContaining(['plain-u', 'MUID=m-value; _U=u-value', 'm-value', 'u-value', 'bob', 'pa$s']),
    );
    expect(proxySecrets('http://proxy.example:3128')).toEqual([]);
    expect(proxyName('http://bob:pa%24s@proxy.example:3128')).toBe('http://proxy.example:3128');
    expect(proxyName('not a url')).toBe('the configured proxy');
  });
});

describe('NO_PROXY', () => {
  it.each([
    ['https://www.bing.com', 'bing.com', true],
    ['https://www.bing.com', '.bing.com', true],
    ['https://www.bing.com', '*.bing.com', true],
    ['https://www.bing.com', 'example.com, www.bing.com:443', true],
    ['https://www.bing.com', 'www.bing.com:8443', false],
    ['https://www.bing.com', 'notbing.com', false],
    ['https://www.bing.com', 'ing.com', false],
    ['http://127.0.0.1:8080', '127.0.0.1', true],
    ['http://127.0.0.1:8080', '*', true],
    ['http://127.0.0.1:8080', '', false],
  ])('%s with NO_PROXY=%j: bypassed %s', (origin, noProxy, bypassed) => {
    expect(bypassesProxy(origin, noProxy)).toBe(bypassed);
  });
});
