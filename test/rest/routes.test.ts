/** Every example of the original wrapper's documentation, over real HTTP against the simulator. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPTIONS } from '../../src/tasks/options.js';
import { revisedPrompt } from '../../src/simulator/index.js';
import { startStack, type Stack } from '../support/stack.js';
import { QUICK, UUID, expectError, expectIso, expectSuccess, pollTask, rest } from './http.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ sim: QUICK });
});
afterAll(() => stack.close());

const ENDPOINTS = {
  info: 'GET /',
  health: 'GET /health',
  create_image: 'POST /create/image',
  create_video: 'POST /create/video',
  get_task: 'GET /task/:taskId',
  options: 'GET /options',
  graphql: 'POST /graphql',
  openapi: 'GET /openapi.json',
};

/** The last submit the simulator saw, as Bing's codes. */
function lastSubmit() {
  const submit = stack.sim.submits().at(-1)!;
  return { mdl: submit.query.mdl, ar: submit.query.ar, q: submit.query.q };
}

describe('GET /', () => {
  it('names the project, its repository and every endpoint', async () => {
    const answer = await rest(stack.url, '/');
    const data = expectSuccess(answer);
    for (const info of [answer.body, data]) {
      expect(info.name).toBe('bing-image-creator-graphql');
      expect(info.repository === null || typeof info.repository === 'string').toBe(true);
      expect(info.endpoints).toEqual(ENDPOINTS);
    }
  });
});

describe('GET /health', () => {
  it('answers status, cookie, session, active tasks, upstream and the video accounts', async () => {
    const data = expectSuccess(await rest(stack.url, '/health'));
    expect(Object.keys(data).sort()).toEqual([
      'activeTasks',
      'boosts',
      'cookie',
      'session',
      'status',
      'upstream',
      'videoAccounts',
    ]);
    expect(data.videoAccounts).toEqual([{ account: expect.stringMatching(/^[0-9a-f]{12}$/), fastCreationsLeft: null }]);
    expect(data.boosts).toEqual([{ account: data.videoAccounts[0].account, known: false, remaining: null }]);
    expect(data.status).toBe('ok');
    expect(data.cookie).toBe('set');
    expect(['active', 'inactive', 'expired']).toContain(data.session);
    expect(Number.isInteger(data.activeTasks) && data.activeTasks >= 0).toBe(true);
    expect(data.upstream).toBe('bing');
  });

  it('takes HEAD, a trailing slash and a query string', async () => {
    const head = await fetch(`${stack.url}/health`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expectSuccess(await rest(stack.url, '/health/'));
    expectSuccess(await rest(stack.url, '/health?verbose=1'));
  });
});

describe('GET /options', () => {
  it('lists the models, the aspects and the video aspects with their values', async () => {
    const data = expectSuccess(await rest(stack.url, '/options'));
    expect(data.models.map((m: any) => [m.id, m.value])).toEqual([
      ['DALLE', 0],
      ['GPT4O', 1],
      ['MAI1', 4],
    ]);
    for (const model of data.models) expect(model.description).toMatch(/\w/);
    expect(data.aspects).toEqual([
      { id: 'SQUARE', value: 1, ratio: '1:1' },
      { id: 'LANDSCAPE', value: 2, ratio: '7:4' },
      { id: 'PORTRAIT', value: 3, ratio: '4:7' },
    ]);
    expect(data.videoAspects).toEqual([
      { id: 'PORTRAIT', value: 4 },
      { id: 'LANDSCAPE', value: 5 },
    ]);
    expect(data).toEqual(OPTIONS);
  });
});

describe('POST /create/image', () => {
  function expectImages(data: any, model: string, aspect: string) {
    expect(Object.keys(data).sort()).toEqual(['aspect', 'images', 'model', 'prompt', 'taskId']);
    expect(data.images.length).toBeGreaterThan(0);
    for (const url of data.images) {
      expect(url).toBeTypeOf('string');
      expect(new URL(url).protocol).toBe('https:');
    }
    expect(data.prompt).toBeTypeOf('string');
    expect(data.model).toBe(model);
    expect(data.aspect).toBe(aspect);
    expect(data.taskId).toMatch(UUID);
  }

  it('defaults to DALL-E, square', async () => {
    const data = expectSuccess(await rest(stack.url, '/create/image', { json: { query: 'a red fox in the snow' } }));
    expectImages(data, 'DALLE', 'SQUARE');
    expect(data.prompt).toBe('a red fox in the snow');
    expect(lastSubmit()).toEqual({ mdl: '0', ar: '1', q: 'a red fox in the snow' });
  });

  it('takes GPT4O, portrait', async () => {
    const data = expectSuccess(
      await rest(stack.url, '/create/image', {
        json: { query: 'a lighthouse at night', model: 'GPT4O', aspect: 'PORTRAIT' },
      }),
    );
    expectImages(data, 'GPT4O', 'PORTRAIT');
    expect(data.images).toHaveLength(1);
    expect(lastSubmit()).toEqual({ mdl: '1', ar: '3', q: 'a lighthouse at night' });
  });

  it('takes GPT4O, landscape', async () => {
    const data = expectSuccess(
      await rest(stack.url, '/create/image', {
        json: { query: 'mountains at dawn', model: 'GPT4O', aspect: 'LANDSCAPE' },
      }),
    );
    expectImages(data, 'GPT4O', 'LANDSCAPE');
    expect(lastSubmit()).toEqual({ mdl: '1', ar: '2', q: 'mountains at dawn' });
  });

  it("answers Bing's revised prompt when it gave one", async () => {
    const query = 'a tea garden [sim:selcap]';
    const data = expectSuccess(await rest(stack.url, '/create/image', { json: { query, model: 'GPT4O' } }));
    expect(data.prompt).toBe(revisedPrompt(query));
  });

  it('keeps the generation as a task that GET /task/:taskId finds', async () => {
    const created = expectSuccess(await rest(stack.url, '/create/image', { json: { query: 'a paper boat' } }));
    const task = expectSuccess(await rest(stack.url, `/task/${created.taskId}`));
    expect(task).toMatchObject({
      id: created.taskId,
      status: 'completed',
      prompt: 'a paper boat',
      video: null,
      error: null,
    });
    expect(task.images).toEqual(created.images);
    expectIso(task.createdAt);
    expectIso(task.completedAt);
  });
});

describe.concurrent('the video flow', () => {
  it('creates, shows processing, then completed with a video URL', async () => {
    const query = 'waves at dusk [sim:ms=700]';
    const started = Date.now();
    const created = expectSuccess(await rest(stack.url, '/create/video', { json: { query } }));
    expect(Date.now() - started).toBeLessThan(600);
    expect(Object.keys(created).sort()).toEqual(['prompt', 'taskId']);
    expect(created.taskId).toMatch(UUID);
    expect(created.prompt).toBe(query);

    const processing = expectSuccess(await rest(stack.url, `/task/${created.taskId}`));
    expect(Object.keys(processing).sort()).toEqual([
      'completedAt',
      'createdAt',
      'durationSeconds',
      'error',
      'height',
      'id',
      'mode',
      'prompt',
      'status',
      'video',
      'width',
    ]);
    expect(processing).toMatchObject({
      id: created.taskId,
      status: 'processing',
      prompt: query,
      video: null,
      error: null,
      completedAt: null,
      mode: 'fast',
    });
    expectIso(processing.createdAt);
    expect(expectSuccess(await rest(stack.url, '/health')).activeTasks).toBeGreaterThanOrEqual(1);

    const done = await pollTask(stack.url, created.taskId, (task) => task.status !== 'processing');
    expect(done.status).toBe('completed');
    expect(new URL(done.video).pathname).toMatch(/\.mp4$/);
    expect(done.error).toBeNull();
    expectIso(done.completedAt);
    expect(Date.parse(done.completedAt)).toBeGreaterThanOrEqual(Date.parse(done.createdAt));
  });

  it('takes the landscape aspect', async () => {
    const created = expectSuccess(
      await rest(stack.url, '/create/video', { json: { query: 'a train [sim:ms=50]', aspect: 'landscape' } }),
    );
    const bingId = (await stack.app.service.getTask(created.taskId, { owner: null }))!.bingRequestId!;
    expect(stack.sim.jobs.get(bingId)!.aspect).toBe(5);
  });

  it.each([
    ['an error message', 'rain [sim:ms=50] [sim:video-error=the model is overloaded]', /the model is overloaded/],
    ['a rejection', 'rain [sim:ms=50] [sim:video-rejected]', /\w/],
  ])('ends failed with the message after %s', async (_, query, message) => {
    const created = expectSuccess(await rest(stack.url, '/create/video', { json: { query } }));
    const failed = await pollTask(stack.url, created.taskId, (task) => task.status !== 'processing');
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(message);
    expect(failed.video).toBeNull();
    expectIso(failed.completedAt);
  });
});

describe('not found and wrong methods', () => {
  it('answers 404 for an unknown path', async () => {
    for (const path of ['/nope', '/task', '/create', '/create/audio', '/task/a/b']) {
      const answer = await rest(stack.url, path);
      expect(expectError(answer, 404, 'invalid_request_error')).toBe('Not found');
    }
    expect(expectError(await rest(stack.url, '/nope', { json: { query: 'x' } }), 404, 'invalid_request_error')).toBe(
      'Not found',
    );
  });

  it('answers 404 "Task not found." for an unknown task', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', '%E0%A4%A']) {
      expect(expectError(await rest(stack.url, `/task/${id}`), 404, 'invalid_request_error')).toBe('Task not found.');
    }
  });

  it('answers 405 with Allow for a known path and another method', async () => {
    const submits = stack.sim.submits().length;
    const del = await rest(stack.url, '/health', { method: 'DELETE' });
    expect(expectError(del, 405, 'invalid_request_error')).toContain('DELETE');
    expect(del.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    const get = await rest(stack.url, '/create/image');
    expectError(get, 405, 'invalid_request_error');
    expect(get.headers.get('allow')).toBe('POST, OPTIONS');
    expect(stack.sim.submits()).toHaveLength(submits);
  });
});

describe('CORS', () => {
  it('is open to every origin by default, on successes and errors', async () => {
    const headers = { origin: 'https://somewhere.example' };
    expect((await rest(stack.url, '/health', { headers })).headers.get('access-control-allow-origin')).toBe('*');
    expect((await rest(stack.url, '/nope', { headers })).headers.get('access-control-allow-origin')).toBe('*');
  });

  it('answers preflights with 204, the methods and the headers', async () => {
    const response = await fetch(`${stack.url}/create/image`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://somewhere.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, x-api-key',
      },
    });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    const allowed = response.headers
      .get('access-control-allow-headers')!
      .split(',')
      .map((h) => h.trim());
    expect(allowed).toEqual(expect.arrayContaining(['authorization', 'content-type', 'x-api-key']));
  });

  it('allows only the listed origins when CORS_ORIGIN names them', async () => {
    const listed = await startStack({
      env: { CORS_ORIGIN: 'https://app.example, https://admin.example' },
      simulator: stack.sim,
    });
    try {
      const ok = await rest(listed.url, '/health', { headers: { origin: 'https://admin.example' } });
      expect(ok.headers.get('access-control-allow-origin')).toBe('https://admin.example');
      expect(ok.headers.get('vary')).toMatch(/origin/i);
      const other = await rest(listed.url, '/health', { headers: { origin: 'https://evil.example' } });
      expect(other.status).toBe(200);
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await listed.close();
    }
  });
});

describe('a client that goes away', () => {
  it('does not stop the generation or harm the server', async () => {
    const query = `a slow comet ${Date.now()} [sim:ms=400]`;
    const abort = new AbortController();
    const call = rest(stack.url, '/create/image', { json: { query }, signal: abort.signal });
    const find = async () =>
      (await stack.app.service.listTasks({ first: 50 }, { owner: null })).tasks.find((t) => t.prompt === query);
    // Gone once Bing has it: the generation is under way when the caller leaves.
    await expect.poll(async () => (await find())?.bingRequestId ?? null).not.toBeNull();
    abort.abort();
    await expect(call).rejects.toThrow();

    await expect.poll(async () => (await find())?.status, { timeout: 5_000 }).toBe('COMPLETED');
    expectSuccess(await rest(stack.url, '/health'));
    expect(stack.logs.filter((line) => JSON.parse(line).level >= 50)).toEqual([]);
  });
});
