import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPageHandler } from '../../src/app/index.js';
import { createLogger } from '../../src/log.js';
import { startStack, type Stack } from '../support/stack.js';

/** The page's asset paths, read from the HTML the server answers. */
function assetPaths(html: string): { script: string; style: string } {
  const script = /<script type="module" src="([^"]+)"/.exec(html)?.[1];
  const style = /<link rel="stylesheet" href="([^"]+)"/.exec(html)?.[1];
  if (!script || !style) throw new Error(`The page names no script or stylesheet:\n${html}`);
  return { script, style };
}

describe('GET /app', () => {
  let stack: Stack;
  let html: string;

  beforeAll(async () => {
    stack = await startStack();
    html = await (await fetch(`${stack.url}/app`)).text();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('answers the page as HTML, revalidated by ETag, with a policy that keeps it on its own origin', async () => {
    const response = await fetch(`${stack.url}/app`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('content-security-policy')).toContain("connect-src 'self' ws: wss:");
    const etag = response.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]+"$/);
    const body = await response.text();
    expect(body).toContain('<textarea id="prompt"');
    expect(body).not.toContain('%APP_');

    const again = await fetch(`${stack.url}/app`, { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
  });

  it('answers /app/ and /APP like /app, as the REST routes ignore case and a trailing slash', async () => {
    for (const path of ['/app/', '/APP', '/app?key=1']) {
      const response = await fetch(`${stack.url}${path}`);
      expect(response.status, path).toBe(200);
      expect(await response.text(), path).toBe(html);
    }
  });

  it('serves the bundle and the stylesheet under content-hashed names, cached as immutable, gzipped on request', async () => {
    const { script, style } = assetPaths(html);
    expect(script).toMatch(/^\/app\/assets\/app\.[\w-]{12}\.js$/);
    expect(style).toMatch(/^\/app\/assets\/app\.[\w-]{12}\.css$/);

    const js = await fetch(`${stack.url}${script}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    // fetch asks for gzip by default and undoes it: the header says it was sent compressed.
    expect(js.headers.get('content-encoding')).toBe('gzip');
    expect(js.headers.get('vary')).toBe('Accept-Encoding');
    const code = await js.text();
    // graphql-ws's client is in the bundle: the page loads nothing from elsewhere.
    expect(code).toContain('graphql-transport-ws');
    expect(code).not.toMatch(/from\s*["']graphql-ws/);

    const css = await fetch(`${stack.url}${style}`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await css.text()).toContain('.gallery');
  });

  it('answers a client that does not take gzip with the plain bytes and their length', async () => {
    const { script } = assetPaths(html);
    const plain = await fetch(`${stack.url}${script}`, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    const bytes = Buffer.from(await plain.arrayBuffer());
    expect(Number(plain.headers.get('content-length'))).toBe(bytes.length);
    expect(bytes.toString('utf8')).toContain('graphql-transport-ws');
  });

  it('answers HEAD with the headers only', async () => {
    const response = await fetch(`${stack.url}/app`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await response.text()).toBe('');
  });

  it('answers an unknown file with 404 and another method with 405, in the error envelope', async () => {
    const missing = await fetch(`${stack.url}/app/assets/app.000000000000.js`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { message: 'Not found.', type: 'invalid_request_error' } });

    const posted = await fetch(`${stack.url}/app`, { method: 'POST', body: 'x' });
    expect(posted.status).toBe(405);
    expect(posted.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect(((await posted.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
  });

  it('leaves GET / as it was: the JSON of the original wrapper', async () => {
    const response = await fetch(`${stack.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = (await response.json()) as { success: boolean; endpoints: Record<string, string> };
    expect(body.success).toBe(true);
    expect(body.endpoints['info']).toBe('GET /');
    expect(Object.values(body.endpoints)).not.toContain('GET /app');
  });
});

describe('a page that cannot be built', () => {
  it('answers 500 in the error envelope, logs why, and tries again on the next request', async () => {
    const lines: string[] = [];
    const log = createLogger(
      'info',
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString('utf8'));
          done();
        },
      }),
    );
    const sources = await mkdtemp(join(tmpdir(), 'page-'));
    const server = createServer(createPageHandler(log, sources));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const first = await fetch(`${url}/app`);
      expect(first.status).toBe(500);
      expect(await first.json()).toEqual({
        error: { message: 'The page could not be built: see the server logs.', type: 'api_error' },
      });
      expect(lines.join('')).toContain('The page could not be built');

      // The sources appear: the next request builds them, the failure was not kept.
      await writeFile(join(sources, 'main.ts'), "document.body.dataset['ready'] = 'yes';\n");
      await writeFile(join(sources, 'tsconfig.json'), '{}');
      await writeFile(join(sources, 'app.css'), 'body { margin: 0; }\n');
      await writeFile(join(sources, 'index.html'), '<script src="%APP_JS%"></script><link href="%APP_CSS%">');
      const second = await fetch(`${url}/app`);
      expect(second.status).toBe(200);
      expect(await second.text()).toMatch(/^<script src="\/app\/assets\/app\.[\w-]{12}\.js"><\/script>/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await rm(sources, { recursive: true, force: true });
    }
  });
});
