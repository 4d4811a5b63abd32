/**
 * Video v2 over REST, on a real server and the real simulator: modes in and out, every finished shape,
 * fast creations running out, and image-to-video with its bad inputs.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { videoUrl } from '../../src/simulator/index.js';
import { startStack, type Stack } from '../support/stack.js';
import { expectError, expectSuccess, pollTask, rest } from './http.js';

const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a3c5e1b10000000049454e44ae426082',
  'hex',
);
const GIF = Buffer.from('474946383961010001000000002c00000000010001000002024401003b', 'hex');
const MAX_IMAGE_BYTES = 4096;

let stack: Stack;
beforeAll(async () => {
  // A short warm-up lifetime: each test sees the fast-creation count the simulator has now.
  stack = await startStack({ env: { MAX_IMAGE_BYTES: String(MAX_IMAGE_BYTES), VIDEO_WARMUP_TTL: '0ms' } });
});
afterAll(() => stack.close());
beforeEach(() => {
  stack.sim.reset();
  stack.sim.configureVideo({ fastCreations: 5, fastCountForm: 'remaining', upload: 'ok' });
});

/** Requests a generation made: everything but the session check the server makes when it starts. */
const generationRequests = () =>
  stack.sim.requests.filter((r) => !(r.method === 'GET' && r.path === '/images/create' && !r.query.ctype));
const create = (json: Record<string, unknown>) => rest(stack.url, '/create/video', { json });
const job = async (taskId: string) => {
  const task = await stack.app.service.getTask(taskId, { owner: null });
  return stack.sim.jobs.get(task!.bingRequestId!)!;
};

describe('modes', () => {
  it.each([
    ['fast', 'FAST', 'fast'],
    ['STANDARD', 'STANDARD', 'standard'],
    ['Standard', 'STANDARD', 'standard'],
    [undefined, 'FAST', 'fast'],
  ])('mode %s is taken in any case, and GET /task says which one Bing took', async (mode, wire, shown) => {
    const created = expectSuccess(await create({ query: `waves [sim:ms=0]`, ...(mode === undefined ? {} : { mode }) }));
    expect((await job(created.taskId)).kind).toBe(wire === 'FAST' ? 'VIDEO' : 'VIDEO_STANDARD');
    expect(expectSuccess(await rest(stack.url, `/task/${created.taskId}`)).mode).toBe(shown);
    // Done before the next test resets the simulator.
    expect(await pollTask(stack.url, created.taskId, (task) => task.status !== 'processing')).toMatchObject({
      status: 'completed',
      mode: shown,
    });
  });

  it('an unknown mode is INVALID_REQUEST naming the field, and nothing reaches Bing', async () => {
    for (const mode of ['slow', 3, 'fast ish']) {
      expect(expectError(await create({ query: 'waves', mode }), 400, 'invalid_request_error')).toMatch(
        /mode must be fast or standard/,
      );
    }
    expect(
      generationRequests(),
      JSON.stringify(generationRequests().map((r) => [r.method, r.path, r.query])),
    ).toHaveLength(0);
  });

  it('fast creations running out: FAST is refused (429, standard is still open), a default request falls back to standard', async () => {
    stack.sim.configureVideo({ fastCreations: 1 });
    const first = expectSuccess(await create({ query: 'one [sim:ms=0]', mode: 'fast' }));
    expect((await job(first.taskId)).kind).toBe('VIDEO');
    expect(expectSuccess(await rest(stack.url, '/health')).videoAccounts[0].fastCreationsLeft).toBe(0);

    const refused = await create({ query: 'two [sim:ms=0]', mode: 'fast' });
    expect(expectError(refused, 429, 'rate_limit_error')).toMatch(
      /no fast video creations left.*standard mode is still open/i,
    );
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);

    const fallback = expectSuccess(await create({ query: 'three [sim:ms=0]' }));
    expect((await job(fallback.taskId)).kind).toBe('VIDEO_STANDARD');
    expect(expectSuccess(await rest(stack.url, `/task/${fallback.taskId}`)).mode).toBe('standard');
    // One accepted submit per generation: the refused one made no job.
    expect(stack.sim.jobs.size).toBe(2);
    for (const { taskId } of [first, fallback]) {
      expect((await pollTask(stack.url, taskId, (task) => task.status !== 'processing')).status).toBe('completed');
    }
  });
});

describe('every finished shape, end to end', () => {
  it.each([
    ['showcontent', null, null, null],
    ['ourl', null, null, null],
    ['fallback', null, null, null],
    ['value', 1280, 720, 8],
    ['cards', 1280, 720, 8],
  ] as const)('%s', async (shape, width, height, durationSeconds) => {
    const created = expectSuccess(
      await create({ query: `waves [sim:video=${shape}] [sim:ms=700]`, aspect: 'landscape' }),
    );
    const done = await pollTask(stack.url, created.taskId, (task) => task.status !== 'processing');
    expect(done).toMatchObject({ status: 'completed', error: null, width, height, durationSeconds, mode: 'fast' });
    expect(done.video).toBe(videoUrl(await job(created.taskId), stack.sim.url));
    const detailCalls = stack.sim.requests.filter((r) => r.path.startsWith('/images/create/detail/async/'));
    expect(detailCalls).toHaveLength(shape === 'cards' ? 1 : 0);
  });
});

describe('image-to-video', () => {
  it('from base64: the image is uploaded, then the video submitted with it', async () => {
    const created = expectSuccess(
      await create({ query: 'make it move [sim:ms=0]', image: { base64: PNG.toString('base64') } }),
    );
    const [bcid] = [...stack.sim.video.uploads.keys()];
    expect(stack.sim.video.uploads.get(bcid!)).toMatchObject({ type: 'image/png', bytes: PNG.length });
    expect(stack.sim.video.extras.get((await job(created.taskId)).id)!.image).toBe(bcid);
    const done = await pollTask(stack.url, created.taskId, (task) => task.status !== 'processing');
    expect(done.status).toBe('completed');
  });

  it('from a URL of a Bing image (here the simulator serves it): fetched, checked, uploaded', async () => {
    const url = `${stack.sim.url}/th/id/OIG1.sourceimage?pid=ImgGn`;
    const created = expectSuccess(await create({ query: 'make it move [sim:ms=0]', image: { url } }));
    const [upload] = [...stack.sim.video.uploads.values()];
    expect(upload).toMatchObject({ type: 'image/png' });
    expect(stack.sim.video.extras.get((await job(created.taskId)).id)!.image).toBe(upload!.bcid);
    expect((await pollTask(stack.url, created.taskId, (task) => task.status !== 'processing')).status).toBe(
      'completed',
    );
  });

  it.each([
    ['wrong type', { base64: GIF.toString('base64') }, /PNG, JPEG or WebP/],
    ['too big', { base64: Buffer.concat([PNG, Buffer.alloc(MAX_IMAGE_BYTES)]).toString('base64') }, /limit is 4 KB/],
    ['not base64', { base64: 'not base64 at all!' }, /not valid base64/],
    ['a URL the policy refuses', { url: 'https://example.com/cat.png' }, /VIDEO_IMAGE_FETCH=any/],
    ['plain http elsewhere', { url: 'http://127.0.0.1:1/th/id/x.png' }, /Bing image/],
    [
      'both',
      { base64: PNG.toString('base64'), url: 'https://th.bing.com/th/id/OIG1.x' },
      /exactly one of base64 and url/,
    ],
    ['not an object', 'iVBORw0KGgo=', /must be an object/],
  ])('%s → 400 INVALID_REQUEST, and nothing reaches Bing', async (_, image, message) => {
    const answer = await create({ query: 'make it move', image });
    expect(expectError(answer, 400, 'invalid_request_error')).toMatch(message);
    expect(generationRequests()).toHaveLength(0);
  });

  it('a failed upload is a named error (502) and no video is submitted', async () => {
    stack.sim.configureVideo({ upload: 'error' });
    const answer = await create({ query: 'make it move', image: { base64: PNG.toString('base64') } });
    expect(expectError(answer, 502, 'api_error')).toMatch(/source image.*no video was submitted/);
    expect(stack.sim.submits()).toHaveLength(0);
  });
});

describe('image URLs with VIDEO_IMAGE_FETCH=any', () => {
  let open: Stack;
  beforeAll(async () => {
    open = await startStack({ env: { VIDEO_IMAGE_FETCH: 'any', VIDEO_IMAGE_FETCH_TIMEOUT: '2s' } });
  });
  afterAll(() => open.close());

  it('any https URL is fetched (one that cannot be reached is a clear 400); plain http still is not', async () => {
    const unreachable = await rest(open.url, '/create/video', {
      json: { query: 'x', image: { url: 'https://127.0.0.1:1/cat.png' } },
    });
    expect(expectError(unreachable, 400, 'invalid_request_error')).toMatch(/could not be fetched/);
    const http = await rest(open.url, '/create/video', {
      json: { query: 'x', image: { url: 'http://example.com/cat.png' } },
    });
    expect(expectError(http, 400, 'invalid_request_error')).toMatch(/https/);
    expect(open.sim.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });
});
