import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchImage } from '../../src/http/fetch-image.js';
import { ServiceError } from '../../src/tasks/errors.js';
import {
  allowedImageUrl,
  imageFromBase64,
  imageFromUrl,
  resolveVideoImage,
  sniffImageType,
  type VideoImagePolicy,
} from '../../src/tasks/video-image.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]);
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x24, 0, 0, 0]), Buffer.from('WEBPVP8 ')]);
const GIF = Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1');

async function refusal(work: () => unknown): Promise<ServiceError> {
  try {
    await work();
  } catch (error) {
    expect(error).toBeInstanceOf(ServiceError);
    return error as ServiceError;
  }
  throw new Error('expected a ServiceError');
}

describe('image type', () => {
  it('is sniffed from the bytes: PNG, JPEG, WebP; nothing else', () => {
    expect(sniffImageType(PNG)).toBe('image/png');
    expect(sniffImageType(JPEG)).toBe('image/jpeg');
    expect(sniffImageType(WEBP)).toBe('image/webp');
    expect(sniffImageType(GIF)).toBeNull();
    expect(sniffImageType(Buffer.from('RIFF\0\0\0\0WAVE'))).toBeNull();
    expect(sniffImageType(Buffer.alloc(0))).toBeNull();
  });
});

describe('base64', () => {
  it('takes standard, URL-safe and data: URL base64, with line breaks', () => {
    for (const [bytes, type] of [
      [PNG, 'image/png'],
      [JPEG, 'image/jpeg'],
      [WEBP, 'image/webp'],
    ] as const) {
      expect(imageFromBase64(bytes.toString('base64'), 1024)).toMatchObject({ type, bytes: bytes.length });
      expect(imageFromBase64(bytes.toString('base64url'), 1024).type).toBe(type);
      expect(imageFromBase64(`data:${type};base64,${bytes.toString('base64')}`, 1024).type).toBe(type);
    }
    const wrapped = PNG.toString('base64').replace(/(.{8})/g, '$1\n');
    expect(imageFromBase64(wrapped, 1024).base64).toBe(PNG.toString('base64'));
  });

  it('refuses the wrong type, too big, not base64 and not a string, naming the field', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [GIF.toString('base64'), /PNG, JPEG or WebP/],
      [Buffer.concat([PNG, Buffer.alloc(2048)]).toString('base64'), /limit is 1 KB/],
      ['this is not base64!', /not valid base64/],
      ['iVBORw0KGgo=x', /not valid base64/],
      ['', /empty/],
      [42, /must be a base64 string/],
    ];
    for (const [value, message] of cases) {
      const error = await refusal(() => imageFromBase64(value, 1024));
      expect(error.code).toBe('INVALID_REQUEST');
      expect(error.field).toBe('image.base64');
      expect(error.message).toMatch(message);
    }
  });
});

describe('URL policy', () => {
  const origin = 'http://127.0.0.1:9';
  it('bing: only https Bing image URLs and the configured origin', async () => {
    expect(allowedImageUrl('https://th.bing.com/th/id/OIG1.abc?pid=ImgGn', { fetch: 'bing', origin }).hostname).toBe(
      'th.bing.com',
    );
    expect(allowedImageUrl(`${origin}/th/id/OIG1.abc?pid=ImgGn`, { fetch: 'bing', origin }).origin).toBe(origin);
    for (const refused of [
      'https://example.com/cat.png',
      'http://th.bing.com/th/id/OIG1.abc',
      'https://th.bing.com.evil.example/th/id/OIG1.abc',
      'https://www.bing.com/images/create',
      'https://user:pw@th.bing.com/th/id/OIG1.abc',
      'not a url',
      '',
    ]) {
      const error = await refusal(() => allowedImageUrl(refused, { fetch: 'bing', origin }));
      expect(error.code, refused).toBe('INVALID_REQUEST');
      expect(error.field).toBe('image.url');
    }
    expect(
      (await refusal(() => allowedImageUrl('https://example.com/cat.png', { fetch: 'bing', origin }))).message,
    ).toContain('VIDEO_IMAGE_FETCH=any');
  });

  it('any: any https URL, still no plain http elsewhere', async () => {
    expect(allowedImageUrl('https://example.com/cat.png', { fetch: 'any', origin }).hostname).toBe('example.com');
    expect(
      (await refusal(() => allowedImageUrl('http://example.com/cat.png', { fetch: 'any', origin }))).message,
    ).toMatch(/https/);
  });

  it('exactly one of base64 and url', async () => {
    const policy = { maxBytes: 1024, fetch: 'bing', origin, fetchTimeoutMs: 1000 } as const;
    expect(await resolveVideoImage(undefined, policy, fetchImage)).toBeNull();
    for (const bad of [{}, { base64: PNG.toString('base64'), url: 'https://th.bing.com/th/id/x' }, 'x', []]) {
      expect((await refusal(() => resolveVideoImage(bad, policy, fetchImage))).field).toBe('image');
    }
  });
});

describe('URL fetch over HTTP', () => {
  let server: Server;
  let origin: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = req.url ?? '/';
      if (path.startsWith('/th/id/png')) return res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
      if (path.startsWith('/th/id/gif')) return res.writeHead(200, { 'content-type': 'image/png' }).end(GIF);
      if (path.startsWith('/th/id/big')) return res.writeHead(200).end(Buffer.concat([PNG, Buffer.alloc(4096)]));
      if (path.startsWith('/th/id/chunked')) {
        res.writeHead(200);
        res.write(PNG);
        res.write(Buffer.alloc(4096));
        return res.end();
      }
      if (path.startsWith('/th/id/slow')) return setTimeout(() => res.writeHead(200).end(PNG), 2_000).unref();
      if (path.startsWith('/th/id/moved')) return res.writeHead(302, { location: 'https://example.com/x.png' }).end();
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const policy = (): VideoImagePolicy => ({ maxBytes: 1024, fetch: 'bing', origin, fetchTimeoutMs: 300 });

  it('fetches an allowed image and checks it like inline base64', async () => {
    expect(await resolveVideoImage({ url: `${origin}/th/id/png` }, policy(), fetchImage)).toMatchObject({
      type: 'image/png',
      base64: PNG.toString('base64'),
    });
    expect(
      (await refusal(() => resolveVideoImage({ url: `${origin}/th/id/gif` }, policy(), fetchImage))).message,
    ).toMatch(/PNG, JPEG or WebP/);
  });

  it('stops at the size cap (declared or streamed), the deadline, a redirect and a 404', async () => {
    for (const [path, message] of [
      ['big', /(limit is|larger than) 1 KB/],
      ['chunked', /larger than 1 KB/],
      ['slow', /did not arrive within/],
      ['moved', /HTTP 302/],
      ['missing', /HTTP 404/],
    ] as const) {
      const error = await refusal(() => imageFromUrl(new URL(`${origin}/th/id/${path}`), policy(), fetchImage));
      expect(error.code, path).toBe('INVALID_REQUEST');
      expect(error.message, path).toMatch(message);
    }
  });
});
