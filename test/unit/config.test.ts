/** config.ts: the environment read into one validated config, the only home of defaults, and the README's table of them. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ZodDefault, ZodTypeAny } from 'zod';
import { ConfigError, configFrom, defaults, ENV } from '../../src/config.js';

describe('configFrom', () => {
  it('reads durations, lists and booleans, and derives the host from the keys', () => {
    const config = configFrom({
      TASK_TTL: '12h',
      IMAGE_DEADLINE: '90s',
      BING_COOKIE_U: 'a, b,,',
      CSRF_PREVENTION: 'off',
      API_KEYS: 'k',
    });
    expect(config.tasks.ttlMs).toBe(12 * 3_600_000);
    expect(config.bing.imageDeadlineMs).toBe(90_000);
    expect(config.accounts.cookies).toEqual(['a', 'b']);
    expect(config.graphql.csrfPrevention).toBe(false);
    expect(config.host).toBe('0.0.0.0');
    expect(defaults().host).toBe('127.0.0.1');
  });

  it('parses CORS_ORIGIN into one policy', () => {
    expect(defaults().http.cors).toEqual({ anyOrigin: true });
    expect(configFrom({ CORS_ORIGIN: 'https://a.example' }).http.cors).toEqual({
      anyOrigin: false,
      origins: ['https://a.example'],
    });
    expect(configFrom({ CORS_ORIGIN: 'https://a.example/, http://b.example:8080' }).http.cors).toEqual({
      anyOrigin: false,
      origins: ['https://a.example', 'http://b.example:8080'],
    });
    expect(() => configFrom({ CORS_ORIGIN: 'https://a.example/path' })).toThrow(
      /CORS_ORIGIN: must be \* or a comma-separated list/,
    );
  });

  it('reads full cookie sets (by line or |), beside _U values, and the proxy variables in either case', () => {
    const config = configFrom({
      BING_COOKIE_U: 'solo',
      BING_COOKIES: 'MUID=1; _U=one; _SS=x\r\n\nCookie: _U=two; SRCHUID=V=2|  KievRPSSecAuth=k; _U=three  ',
      https_proxy: 'http://user:pw@proxy.example:3128',
      HTTP_PROXY: 'http://plain.example:8080',
      no_proxy: 'localhost,.internal',
      BING_SESSION_TTL: '10m',
    });
    expect(config.accounts.cookies).toEqual([
      'solo',
      'MUID=1; _U=one; _SS=x',
      '_U=two; SRCHUID=V=2',
      'KievRPSSecAuth=k; _U=three',
    ]);
    expect(config.bing.proxy).toEqual({
      httpsProxy: 'http://user:pw@proxy.example:3128',
      httpProxy: 'http://plain.example:8080',
      noProxy: 'localhost,.internal',
    });
    expect(config.bing.sessionTtlMs).toBe(600_000);
    expect(defaults().bing.proxy).toEqual({ httpsProxy: undefined, httpProxy: undefined, noProxy: undefined });
  });

  it('refuses a cookie set without _U and a proxy that is not an http(s) URL, without quoting the set', () => {
    const attempt = () =>
      configFrom({ BING_COOKIES: '_U=fine|MUID=secret-muid; _SS=y', HTTPS_PROXY: 'socks5://127.0.0.1:1080' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/BING_COOKIES: cookie set 2 holds no _U cookie/);
    expect(attempt).toThrow(/HTTPS_PROXY: must be an http:\/\/ or https:\/\/ proxy URL/);
    expect(attempt).not.toThrow(/secret-muid/);
  });

  it('reports every problem at once, by variable', () => {
    let error: unknown;
    try {
      configFrom({ PORT: '70000', TASK_TTL: 'soon', TASK_STORE: 'redis' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(
      /PORT[\s\S]*TASK_STORE[\s\S]*TASK_TTL|PORT[\s\S]*TASK_TTL[\s\S]*TASK_STORE/,
    );
  });
});

describe("the README's configuration table", () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(
    readme.indexOf('## Configuration'),
    readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1),
  );
  /** Variable -> the default the table states, one entry per name of a combined row (`A` / `_B`). */
  const documented = new Map<string, string>();
  for (const [, names, values] of section.matchAll(/^\| (`[A-Z_]+`(?: \/ `[A-Z_]+`)*) \| ([^|]+) \|/gm)) {
    const list = names!.split(' / ').map((name) => name.replaceAll('`', ''));
    const stated = values!.trim().split(' / ');
    const prefix = list[0]!.slice(0, list[0]!.lastIndexOf('_'));
    list.forEach((name, i) => {
      documented.set(
        name.startsWith('_') ? prefix + name : name,
        (stated.length === list.length ? stated[i]! : stated[0]!).trim(),
      );
    });
  }

  it('names every variable config.ts reads, and no other', () => {
    expect([...documented.keys()].sort()).toEqual(Object.keys(ENV.shape).sort());
  });

  it('states the defaults config.ts has', () => {
    for (const [name, schema] of Object.entries(ENV.shape) as Array<[string, ZodTypeAny]>) {
      const stated = documented.get(name);
      if (name === 'HOST') {
        expect(stated).toContain(`\`${defaults().host}\``);
        continue;
      }
      const fallback =
        schema._def.typeName === 'ZodDefault' ? String((schema as ZodDefault<ZodTypeAny>)._def.defaultValue()) : '';
      expect(stated, name).toBe(fallback === '' ? 'none' : `\`${fallback}\``);
    }
  });
});
