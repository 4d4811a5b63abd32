/** GET /openapi.json: a valid OpenAPI 3.1 document whose every path exists and whose schemas match the live answers. */
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAPI } from '../../src/rest/openapi.js';
import { startStack, type Stack } from '../support/stack.js';
import { QUICK, pollTask, rest, type Answer } from './http.js';

let stack: Stack;
let doc: Record<string, any>;
let ajv: Ajv2020;
beforeAll(async () => {
  stack = await startStack({ sim: QUICK });
  const answer = await rest(stack.url, '/openapi.json');
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
  doc = answer.body;
  // OpenAPI 3.1 schemas are JSON Schema 2020-12: the served document is the schema the answers are checked against.
  ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema({ ...doc, $id: 'openapi.json' });
});

const pointer = (...keys: string[]) => keys.map((key) => key.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

/** The problems ajv finds in `value` against the schema at `ref` of the document, as `path: message`. */
function problems(ref: string, value: unknown): string[] {
  const validate = ajv.compile({ $ref: `openapi.json#/${ref}` });
  if (validate(value)) return [];
  return (validate.errors ?? []).map(
    (e) =>
      `${e.instancePath || '$'}: ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${e.params.additionalProperty})` : ''}`,
  );
}

function resolve(node: Record<string, any>): Record<string, any> {
  if (typeof node.$ref !== 'string') return node;
  const target = (node.$ref as string)
    .replace(/^#\//, '')
    .split('/')
    .reduce<any>((at, key) => at?.[key.replaceAll('~1', '/').replaceAll('~0', '~')], doc);
  if (!target) throw new Error(`Unresolved ${node.$ref}`);
  return resolve(target);
}
afterAll(() => stack.close());

describe('the document', () => {
  it('is served as written', () => {
    expect(doc).toEqual(JSON.parse(JSON.stringify(OPENAPI)));
  });

  it('is valid OpenAPI 3.1', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('resolves every $ref', () => {
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) expect(() => resolve(JSON.parse(`{${ref}}`))).not.toThrow();
  });

  it('documents exactly the routes the server has', async () => {
    const operations = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
      Object.keys(item).map((method) => ({
        path: path.replace('{taskId}', '00000000-0000-4000-8000-000000000000'),
        method,
      })),
    );
    expect(operations.map((o) => `${o.method} ${o.path}`)).toHaveLength(7);
    for (const { path, method } of operations) {
      const answer = await rest(stack.url, path, {
        method: method.toUpperCase(),
        ...(method === 'post' ? { json: {} } : {}),
      });
      const what = `${method} ${path}: ${answer.text.slice(0, 200)}`;
      if (path.startsWith('/task/')) expect(answer.body.error?.message, what).toBe('Task not found.');
      else expect(answer.status, what).toBe(method === 'post' ? 400 : 200);
    }
    const root = await rest(stack.url, '/');
    const listed = Object.values(root.body.endpoints as Record<string, string>)
      .filter((e) => !e.endsWith('/graphql'))
      .map((e) => {
        const [method, path] = e.split(' ');
        return `${method!.toLowerCase()} ${path!.replace(':taskId', '{taskId}')}`;
      });
    const documented = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item as object).map((m) => `${m} ${path}`),
    );
    expect(documented.sort()).toEqual(listed.sort());
  });
});

describe('the live answers match the schemas', () => {
  const checked: string[] = [];

  function expectConforms(path: string, method: string, answer: Answer<unknown>) {
    const operation = doc.paths[path]?.[method];
    expect(operation, `${method} ${path}`).toBeDefined();
    const documented = operation.responses[String(answer.status)];
    expect(documented, `${method} ${path} does not document ${answer.status}`).toBeDefined();
    const at = pointer(
      'paths',
      path,
      method,
      'responses',
      String(answer.status),
      'content',
      'application/json',
      'schema',
    );
    expect(problems(at, answer.body), `${method} ${path} ${answer.status}`).toEqual([]);
    checked.push(`${method} ${path} ${answer.status}`);
  }

  it('of every route and status', async () => {
    expectConforms('/', 'get', await rest(stack.url, '/'));
    expectConforms('/health', 'get', await rest(stack.url, '/health'));
    expectConforms('/options', 'get', await rest(stack.url, '/options'));
    expectConforms('/openapi.json', 'get', await rest(stack.url, '/openapi.json'));

    const image = await rest(stack.url, '/create/image', { json: { query: 'a fox [sim:selcap]', model: 'GPT4O' } });
    expectConforms('/create/image', 'post', image);
    const video = await rest(stack.url, '/create/video', { json: { query: 'waves [sim:ms=300]' } });
    expectConforms('/create/video', 'post', video);
    const failing = await rest(stack.url, '/create/video', {
      json: { query: 'rain [sim:ms=30] [sim:video-error=broken]' },
    });

    expectConforms('/task/{taskId}', 'get', await rest(stack.url, `/task/${video.body.data.taskId}`));
    expectConforms('/task/{taskId}', 'get', await rest(stack.url, `/task/${image.body.data.taskId}`));
    await pollTask(stack.url, video.body.data.taskId, (task) => task.status === 'completed');
    expectConforms('/task/{taskId}', 'get', await rest(stack.url, `/task/${video.body.data.taskId}`));
    await pollTask(stack.url, failing.body.data.taskId, (task) => task.status === 'failed');
    expectConforms('/task/{taskId}', 'get', await rest(stack.url, `/task/${failing.body.data.taskId}`));
    expectConforms('/task/{taskId}', 'get', await rest(stack.url, '/task/unknown'));

    for (const [query, status] of [
      ['', 400],
      ['a cat [sim:blocked]', 422],
      ['un chat [sim:language]', 422],
      ['a cat [sim:quota]', 429],
      ['a cat [sim:garbage]', 502],
    ] as const) {
      const answer = await rest(stack.url, '/create/image', { json: { query } });
      expect(answer.status).toBe(status);
      expectConforms('/create/image', 'post', answer);
    }
    expectConforms(
      '/create/image',
      'post',
      await rest(stack.url, '/create/image', {
        body: 'x'.repeat(200_000),
        headers: { 'content-type': 'application/json' },
      }),
    );
    expectConforms(
      '/create/video',
      'post',
      await rest(stack.url, '/create/video', { body: 'query=x', headers: { 'content-type': 'text/plain' } }),
    );

    expect(checked).toEqual(
      expect.arrayContaining([
        'post /create/image 200',
        'post /create/image 400',
        'post /create/image 413',
        'post /create/image 422',
        'post /create/image 429',
        'post /create/image 502',
        'post /create/video 415',
        'get /task/{taskId} 404',
      ]),
    );
  });

  it('of a 405 and an unknown path, which no operation owns', async () => {
    for (const answer of [await rest(stack.url, '/health', { method: 'PUT' }), await rest(stack.url, '/nowhere')]) {
      expect(problems('components/schemas/Error', answer.body)).toEqual([]);
    }
  });

  it('and the checker can fail', () => {
    const health = 'components/schemas/Health';
    expect(
      problems(health, {
        status: 'ok',
        cookie: 'set',
        session: 'active',
        activeTasks: 1,
        upstream: 'bing',
        videoAccounts: [],
        boosts: [],
        extra: 1,
      }),
    ).toEqual(['$: must NOT have additional properties (extra)']);
    expect(
      problems(health, {
        status: 'ok',
        cookie: 'maybe',
        session: 'active',
        activeTasks: 1.5,
        videoAccounts: [],
        boosts: [],
      }),
    ).toHaveLength(3);
    expect(
      problems(pointer('paths', '/task/{taskId}', 'get', 'responses', '200', 'content', 'application/json', 'schema'), {
        success: true,
        data: { id: 'not-a-uuid', status: 'done' },
        timestamp: 'yesterday',
      }).length,
    ).toBeGreaterThanOrEqual(3);
  });
});
