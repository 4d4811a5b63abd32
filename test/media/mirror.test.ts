/**
 * The media mirror (MEDIA_MIRROR=true) against the real simulator: finished images and videos copied into
 * DATA_DIR/media under their SHA-256, served at /media/<name> with their headers and byte ranges, still
 * there when the simulator no longer answers for them, kept under their caps, private to their key, and
 * never a reason for a generation to fail.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SAMPLE_MP4 } from '../../src/simulator/media.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { QUICK, rest } from '../rest/http.js';
import { FAST, gql, startStack, type Stack } from '../support/stack.js';
import { CREATE_VIDEO, createImage, logged, mirroredImages, mirroredVideo, raw, taskMedia } from './support.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const nameOf = (path: string) => path.slice('/media/'.length);
const MIRROR_ENV = { MEDIA_MIRROR: 'true', MEDIA_RETRY_BASE: '20ms', MEDIA_FETCH_TIMEOUT: '5s' };

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'media-mirror-'));
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

describe('a mirrored image', () => {
  let stack: Stack;
  let id: string;
  let paths: string[];
  beforeAll(async () => {
    stack = await startStack({
      sim: QUICK,
      env: { ...MIRROR_ENV, TASK_STORE: 'sqlite', DATA_DIR: join(dataDir, 'image') },
    });
    stack.sim.setScenario({ urls: 'origin' });
    id = await createImage(stack.url, 'a lighthouse at dawn');
    paths = await mirroredImages(stack.url, id);
  });
  afterAll(() => stack.close());

  it('is stored under the SHA-256 of the bytes Bing served, with the extension of their type', async () => {
    const task = await taskMedia(stack.url, id);
    expect(paths).toHaveLength(4);
    for (const [i, image] of (task.images ?? []).entries()) {
      const original = Buffer.from(await (await fetch(image.url)).arrayBuffer());
      expect(image.mirrorUrl).toBe(`/media/${sha256(original)}.png`);
      const served = await raw(stack.url, paths[i]!);
      expect(served.status).toBe(200);
      expect(served.body.equals(original)).toBe(true);
      expect(served.headers['content-type']).toBe('image/png');
      expect(served.headers['content-length']).toBe(String(original.length));
      expect(served.headers.etag).toBe(`"${sha256(original)}"`);
      expect(served.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(served.headers['accept-ranges']).toBe('bytes');
    }
    const files = await readdir(join(dataDir, 'image', 'media'));
    expect(files.filter((f) => f !== '.tmp').sort()).toEqual(paths.map(nameOf).sort());
  });

  it('answers ranges: 206 for one, 416 past the end, the whole file for several', async () => {
    const whole = (await raw(stack.url, paths[0]!)).body;
    const size = whole.length;
    const first = await raw(stack.url, paths[0]!, 'GET', { range: 'bytes=0-9' });
    expect(first.status).toBe(206);
    expect(first.headers['content-range']).toBe(`bytes 0-9/${size}`);
    expect(first.headers['content-length']).toBe('10');
    expect(first.body.equals(whole.subarray(0, 10))).toBe(true);

    const suffix = await raw(stack.url, paths[0]!, 'GET', { range: 'bytes=-5' });
    expect(suffix.status).toBe(206);
    expect(suffix.headers['content-range']).toBe(`bytes ${size - 5}-${size - 1}/${size}`);
    expect(suffix.body.equals(whole.subarray(size - 5))).toBe(true);

    const open = await raw(stack.url, paths[0]!, 'GET', { range: `bytes=${size - 3}-` });
    expect(open.status).toBe(206);
    expect(open.body.equals(whole.subarray(size - 3))).toBe(true);

    const past = await raw(stack.url, paths[0]!, 'GET', { range: `bytes=${size}-` });
    expect(past.status).toBe(416);
    expect(past.headers['content-range']).toBe(`bytes */${size}`);
    expect(JSON.parse(past.body.toString()).error.type).toBe('invalid_request_error');

    const several = await raw(stack.url, paths[0]!, 'GET', { range: 'bytes=0-1,4-5' });
    expect(several.status).toBe(200);
    expect(several.body.equals(whole)).toBe(true);

    const otherValidator = await raw(stack.url, paths[0]!, 'GET', { range: 'bytes=0-1', 'if-range': '"other"' });
    expect(otherValidator.status).toBe(200);
  });

  it('answers HEAD without a body, and 304 to an If-None-Match that matches', async () => {
    const head = await raw(stack.url, paths[1]!, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
    const etag = String(head.headers.etag);
    const cached = await raw(stack.url, paths[1]!, 'GET', { 'if-none-match': `W/"x", ${etag}` });
    expect(cached.status).toBe(304);
    expect(cached.body.length).toBe(0);
    expect(cached.headers.etag).toBe(etag);
    expect((await raw(stack.url, paths[1]!, 'GET', { 'if-none-match': '"another"' })).status).toBe(200);
  });

  it('REST answers `mirrors` beside `images`', async () => {
    const answer = await rest(stack.url, `/task/${id}`);
    expect(answer.status).toBe(200);
    expect(answer.body.data.images).toHaveLength(4);
    expect(answer.body.data.mirrors).toEqual(paths);
    const created = await rest(stack.url, '/create/image', { json: { query: 'a second lighthouse' } });
    expect(created.status).toBe(200);
    expect(created.body.data.mirrors).toHaveLength(created.body.data.images.length);
  });

  it('answers 404 for malformed names, names not stored and paths out of the directory; 405 for other methods', async () => {
    const stored = nameOf(paths[0]!);
    for (const path of [
      '/media/',
      '/media/abc.png',
      `/media/${'0'.repeat(64)}.png`,
      `/media/${stored.toUpperCase()}`,
      `/media/${stored.replace('.png', '.exe')}`,
      `/media/${stored}/`,
      `/media/${stored}%00`,
      '/media/../tasks.sqlite',
      '/media/..%2ftasks.sqlite',
      '/media/.tmp',
      '/media/%2e%2e/%2e%2e/etc/passwd',
    ]) {
      const answer = await raw(stack.url, path);
      expect(answer.status, path).toBe(404);
      expect(JSON.parse(answer.body.toString()).error.type, path).toBe('invalid_request_error');
    }
    const post = await raw(stack.url, paths[0]!, 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD, OPTIONS');
  });

  it('keeps serving once the simulator stops answering for the original URLs', async () => {
    const task = await taskMedia(stack.url, id);
    stack.sim.configure({ media: 'missing' });
    try {
      expect((await fetch(task.images![0]!.url)).status).toBe(404);
      for (const path of paths) expect((await raw(stack.url, path)).status).toBe(200);
    } finally {
      stack.sim.configure({ media: 'serve' });
    }
  });
});

describe('a mirrored video', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      sim: QUICK,
      env: { ...MIRROR_ENV, VIDEO_WARMUP_TTL: '0ms', DATA_DIR: join(dataDir, 'video') },
    });
    stack.sim.configureVideo({ fastCreations: 5 });
  });
  afterAll(() => stack.close());

  it('is served as video/mp4 with byte ranges, after the simulator is gone too', async () => {
    const created = await gql<{ createVideo: { __typename: string; id?: string } }>(stack.url, CREATE_VIDEO, {
      query: 'waves on a beach',
    });
    expect(created.data?.createVideo.__typename).toBe('VideoTask');
    const task = await mirroredVideo(stack.url, created.data!.createVideo.id!);
    const path = `/media/${sha256(SAMPLE_MP4)}.mp4`;
    expect(task.mirrorUrl).toBe(path);
    const rested = await rest(stack.url, `/task/${created.data!.createVideo.id}`);
    expect(rested.body.data.mirrors).toEqual([task.mirrorUrl]);

    await stack.sim.close();
    const whole = await raw(stack.url, path);
    expect(whole.status).toBe(200);
    expect(whole.headers['content-type']).toBe('video/mp4');
    expect(whole.body.equals(SAMPLE_MP4)).toBe(true);
    // What a <video> element asks first, then a seek.
    const start = await raw(stack.url, path, 'GET', { range: 'bytes=0-' });
    expect(start.status).toBe(206);
    expect(start.headers['content-range']).toBe(`bytes 0-${SAMPLE_MP4.length - 1}/${SAMPLE_MP4.length}`);
    const seek = await raw(stack.url, path, 'GET', { range: 'bytes=100-199' });
    expect(seek.status).toBe(206);
    expect(seek.body.equals(SAMPLE_MP4.subarray(100, 200))).toBe(true);
  });
});

describe('the caps', () => {
  let stack: Stack;
  beforeAll(async () => {
    // Each simulated PNG is about 155 bytes, the MP4 1403: one DALL-E task's four images fit, two do not.
    stack = await startStack({
      sim: QUICK,
      env: {
        ...MIRROR_ENV,
        MEDIA_MAX_FILE_BYTES: '1024',
        MEDIA_MAX_TOTAL_BYTES: '1024',
        VIDEO_WARMUP_TTL: '0ms',
        DATA_DIR: join(dataDir, 'caps'),
      },
    });
    stack.sim.setScenario({ urls: 'origin' });
    stack.sim.configureVideo({ fastCreations: 5 });
  });
  afterAll(() => stack.close());

  it('evict the oldest files to keep the total under MEDIA_MAX_TOTAL_BYTES', async () => {
    const first = await createImage(stack.url, 'a red fox');
    const older = await mirroredImages(stack.url, first);
    const second = await createImage(stack.url, 'a blue fox');
    const newer = await mirroredImages(stack.url, second);
    const after = (await taskMedia(stack.url, first)).images!.map((image) => image.mirrorUrl);
    const evicted = after.filter((path) => path === null).length;
    expect(evicted).toBeGreaterThan(0);
    // The oldest went first: the evicted ones lead the first task's list.
    expect(after).toEqual([...Array(evicted).fill(null), ...older.slice(evicted)]);
    for (const path of older.slice(0, evicted)) expect((await raw(stack.url, path)).status).toBe(404);
    for (const path of newer) expect((await raw(stack.url, path)).status).toBe(200);
    expect(stack.app.mirror!.files.totalBytes).toBeLessThanOrEqual(1024);
  });

  it('leave a file over MEDIA_MAX_FILE_BYTES on Bing, and its task completed', async () => {
    const created = await gql<{ createVideo: { id?: string } }>(stack.url, CREATE_VIDEO, { query: 'a long river' });
    const id = created.data!.createVideo.id!;
    await logged(stack.logs, 'larger than MEDIA_MAX_FILE_BYTES');
    const task = await taskMedia(stack.url, id);
    expect(task.status).toBe('COMPLETED');
    expect(task.video).toMatch(/\/videos\//);
    expect(task.mirrorUrl).toBeNull();
  });
});

describe('a failing download', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      sim: QUICK,
      env: { ...MIRROR_ENV, MEDIA_RETRIES: '2', DATA_DIR: join(dataDir, 'failing') },
    });
    stack.sim.setScenario({ urls: 'origin' });
  });
  afterAll(() => stack.close());

  it('leaves the generation completed with its Bing URLs, and is tried a bounded number of times', async () => {
    stack.sim.configure({ media: 'error' });
    const id = await createImage(stack.url, 'a grey fox');
    await logged(stack.logs, 'media mirror gave up');
    const task = await taskMedia(stack.url, id);
    expect(task.status).toBe('COMPLETED');
    expect(task.images).toHaveLength(4);
    expect(task.images!.every((image) => image.mirrorUrl === null && image.url.includes('/th/id/'))).toBe(true);
    // Each image: the first try and MEDIA_RETRIES more, then no more.
    const tries = (path: string) => stack.sim.mediaRequests.filter((p) => p === path).length;
    for (const image of task.images!) expect(tries(new URL(image.url).pathname)).toBe(3);
    expect(stack.logs.filter((line) => line.includes('media mirror retries'))).toHaveLength(2);
    const answer = await rest(stack.url, `/task/${id}`);
    expect(answer.body.data.status).toBe('completed');
    expect(answer.body.data.mirrors).toEqual([null, null, null, null]);
  });

  it('recovers on a later try', async () => {
    stack.sim.configure({ media: 'error' });
    const before = stack.logs.filter((line) => line.includes('media mirror retries')).length;
    const id = await createImage(stack.url, 'a white fox');
    await logged(stack.logs, 'media mirror retries', before + 1);
    stack.sim.configure({ media: 'serve' });
    expect(await mirroredImages(stack.url, id)).toHaveLength(4);
  });
});

describe('with API keys', () => {
  const ALICE = 'alice-media-key-5b1c9e0d';
  const BOB = 'bob-media-key-8e2f7a43';
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      sim: QUICK,
      env: { ...MIRROR_ENV, API_KEYS: `${ALICE},${BOB}`, DATA_DIR: join(dataDir, 'keys') },
    });
    stack.sim.setScenario({ urls: 'origin' });
  });
  afterAll(() => stack.close());

  it('serves a file only to the key whose task refers to it', async () => {
    const id = await createImage(stack.url, 'a private garden', bearer(ALICE));
    const [path] = await mirroredImages(stack.url, id, bearer(ALICE));
    const mine = await raw(stack.url, path!, 'GET', bearer(ALICE));
    expect(mine.status).toBe(200);
    expect(mine.headers['cache-control']).toBe('private, max-age=31536000, immutable');
    expect((await raw(stack.url, path!, 'GET', { 'x-api-key': ALICE })).status).toBe(200);

    const theirs = await raw(stack.url, path!, 'GET', bearer(BOB));
    expect(theirs.status).toBe(404);
    const anonymous = await raw(stack.url, path!);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toBe('Bearer');
    expect(JSON.parse(anonymous.body.toString()).error.type).toBe('authentication_error');
    expect((await raw(stack.url, path!, 'GET', bearer('not-a-key'))).status).toBe(401);
  });
});

describe('across a restart', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ ...FAST, ...QUICK });
    sim.setScenario({ urls: 'origin' });
  });
  afterAll(() => sim.close());

  it('keeps what it mirrored: the files on disk and the index of whose they are', async () => {
    const env = { ...MIRROR_ENV, TASK_STORE: 'sqlite', DATA_DIR: join(dataDir, 'restart'), API_KEYS: 'restart-key-1' };
    const key = bearer('restart-key-1');
    const first = await startStack({ simulator: sim, env });
    const id = await createImage(first.url, 'a harbour at night', key);
    const paths = await mirroredImages(first.url, id, key);
    await first.close();

    sim.configure({ media: 'missing' });
    const second = await startStack({ simulator: sim, env });
    try {
      const task = await taskMedia(second.url, id, key);
      expect(task.images!.map((image) => image.mirrorUrl)).toEqual(paths);
      for (const path of paths) expect((await raw(second.url, path, 'GET', key)).status).toBe(200);
      expect((await raw(second.url, paths[0]!)).status).toBe(401);
      expect(second.app.mirror!.files.list()).toHaveLength(4);
    } finally {
      await second.close();
    }
  });

  it('catches up at start on tasks that completed while the mirror was off', async () => {
    sim.configure({ media: 'serve' });
    const env = { TASK_STORE: 'sqlite', DATA_DIR: join(dataDir, 'catch-up') };
    const off = await startStack({ simulator: sim, env });
    const id = await createImage(off.url, 'a harbour at noon');
    expect((await taskMedia(off.url, id)).images!.every((image) => image.mirrorUrl === null)).toBe(true);
    await off.close();

    const on = await startStack({ simulator: sim, env: { ...env, ...MIRROR_ENV } });
    try {
      expect(await mirroredImages(on.url, id)).toHaveLength(4);
    } finally {
      await on.close();
    }
  });

  function bearer(key: string) {
    return { authorization: `Bearer ${key}` };
  }
});

describe('a download that stalls', () => {
  it('ends at MEDIA_FETCH_TIMEOUT and leaves no half-written file', async () => {
    const dir = join(dataDir, 'stalled');
    const stack = await startStack({
      sim: QUICK,
      env: { ...MIRROR_ENV, MEDIA_FETCH_TIMEOUT: '200ms', MEDIA_RETRIES: '0', DATA_DIR: dir },
    });
    try {
      stack.sim.setScenario({ urls: 'origin' });
      stack.sim.configure({ media: 'stall' });
      const id = await createImage(stack.url, 'a stalled fox');
      await logged(stack.logs, 'media mirror gave up');
      expect(stack.logs.find((line) => line.includes('media mirror gave up'))).toContain('MEDIA_FETCH_TIMEOUT');
      expect((await taskMedia(stack.url, id)).images!.every((image) => image.mirrorUrl === null)).toBe(true);
      expect(await readdir(join(dir, 'media', '.tmp'))).toEqual([]);
    } finally {
      await stack.close();
    }
  });

  it('is aborted by a stop, which does not wait for its deadline', async () => {
    const dir = join(dataDir, 'stopped');
    const stack = await startStack({
      sim: QUICK,
      env: { ...MIRROR_ENV, MEDIA_FETCH_TIMEOUT: '10m', DATA_DIR: dir },
    });
    let closed = false;
    try {
      stack.sim.setScenario({ urls: 'origin' });
      stack.sim.configure({ media: 'stall' });
      await createImage(stack.url, 'a fox at closing time');
      // A task's files come one after the other: the first is in flight, half its bytes written.
      await vi.waitFor(() => expect(stack.sim.mediaRequests.length).toBe(1), { timeout: 10_000, interval: 20 });
      await stack.app.stop();
      closed = true;
      expect(await readdir(join(dir, 'media', '.tmp'))).toEqual([]);
      expect((await readdir(join(dir, 'media'))).filter((name) => name !== '.tmp')).toEqual([]);
      expect(stack.sim.mediaRequests.length).toBe(1);
    } finally {
      if (!closed) await stack.app.stop();
      await stack.sim.close();
    }
  });
});
