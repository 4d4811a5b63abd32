/** /metrics: Prometheus text whose counters move with a generation, readable only by admins; request ids in and out. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, startStack, type Stack } from '../support/stack.js';
import { QUICK } from '../rest/http.js';

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABELS = `\\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*",?)*\\}`;
// Prometheus reads values with Go's ParseFloat, which takes Inf and NaN in any case (prom-client writes `Nan`).
const VALUE = '(?:[-+]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][-+]?\\d+)?|[-+]?[Ii][Nn][Ff]|[Nn][Aa][Nn])';
const EXPOSITION_LINE = new RegExp(
  `^(?:# HELP ${NAME} .*|# TYPE ${NAME} (?:counter|gauge|histogram|summary|untyped)|${NAME}(?:${LABELS})? ${VALUE}(?: -?\\d+)?)$`,
);

/** The exposition text, every line checked against the format; samples keyed by `name{labels}`. */
function parse(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    expect(line).toMatch(EXPOSITION_LINE);
    if (line.startsWith('#')) continue;
    const split = line.lastIndexOf(' ');
    samples.set(line.slice(0, split), Number(line.slice(split + 1)));
  }
  return samples;
}

async function scrape(url: string, headers: Record<string, string> = {}): Promise<Map<string, number>> {
  const response = await fetch(`${url}/metrics`, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parse(await response.text());
}

const image = (url: string, query: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/create/image`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });

describe('without API keys', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ sim: QUICK, env: { TRUST_PROXY: '1' } });
  });
  afterAll(() => stack.close());

  it('parses as Prometheus text, and its counters move with a generation', async () => {
    const before = await scrape(stack.url);
    const completed = 'bic_generations_total{kind="IMAGE",model="DALLE",outcome="COMPLETED"}';
    const answer = await image(stack.url, 'a lighthouse at dawn');
    expect(answer.status).toBe(200);
    await gql(stack.url, '{ options { models { id } } }');
    const after = await scrape(stack.url);
    expect(after.get(completed)).toBe((before.get(completed) ?? 0) + 1);
    expect(after.get('bic_bing_submits_total{kind="IMAGE"}')).toBe(
      (before.get('bic_bing_submits_total{kind="IMAGE"}') ?? 0) + 1,
    );
    expect(after.get('bic_bing_polls_total{kind="IMAGE"}')).toBeGreaterThan(
      before.get('bic_bing_polls_total{kind="IMAGE"}') ?? 0,
    );
    expect(after.get('bic_generation_duration_seconds_count{kind="IMAGE",model="DALLE",outcome="COMPLETED"}')).toBe(1);
    expect(after.get('bic_http_requests_total{route="/create/image",status="200"}')).toBe(1);
    expect(after.get('bic_http_requests_total{route="/metrics",status="200"}')).toBeGreaterThanOrEqual(1);
    expect(after.get('bic_queue_length')).toBe(0);
    expect(after.get('bic_subscriptions_open')).toBe(0);
    expect(after.get('bic_accounts{state="active"}')).toBe(1);
    expect([...after.keys()].some((key) => key.startsWith('graphql_yoga_http_duration_count'))).toBe(true);
    expect([...after.keys()].some((key) => key.startsWith('graphql_envelop_request_duration_count'))).toBe(true);
  });

  it('counts failures by their code, and upstream errors', async () => {
    const blocked = 'bic_generations_total{kind="IMAGE",model="DALLE",outcome="PROMPT_REJECTED"}';
    const before = await scrape(stack.url);
    expect((await image(stack.url, 'something [sim:blocked]')).status).toBe(422);
    const retried = await image(stack.url, 'flaky polls [sim:poll5xx=1]');
    expect(retried.status).toBe(200);
    const after = await scrape(stack.url);
    expect(after.get(blocked)).toBe((before.get(blocked) ?? 0) + 1);
    expect(after.get('bic_bing_retries_total{kind="IMAGE"}')).toBeGreaterThan(
      before.get('bic_bing_retries_total{kind="IMAGE"}') ?? 0,
    );
    const upstream = [...after.entries()].filter(([key]) => key.startsWith('bic_upstream_errors_total{'));
    expect(upstream.reduce((sum, [, value]) => sum + value, 0)).toBeGreaterThan(0);
  });

  it('answers loopback clients only', async () => {
    const response = await fetch(`${stack.url}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.7' } });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/loopback/);
  });

  it('echoes x-request-id, or makes one, and every log line about the request carries it', async () => {
    const sent = await image(stack.url, 'refused [sim:blocked]', { 'x-request-id': 'req-metrics-42' });
    expect(sent.headers.get('x-request-id')).toBe('req-metrics-42');
    const lines = stack.logs.map((line) => JSON.parse(line) as { reqId?: string; msg: string });
    const about = lines.filter((line) => line.reqId === 'req-metrics-42');
    expect(about.map((line) => line.msg)).toContain('generation failed');
    const made = await fetch(`${stack.url}/health`);
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const graphql = await fetch(`${stack.url}/graphql?query=%7B__typename%7D`, {
      headers: { 'x-request-id': 'gql-1' },
    });
    expect(graphql.headers.get('x-request-id')).toBe('gql-1');
    const odd = await fetch(`${stack.url}/health`, { headers: { 'x-request-id': 'not a token\t<x>' } });
    expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('with API keys', () => {
  const USER = 'metrics-user-key-1b2c3d';
  const ADMIN = 'metrics-admin-key-9f8e7d';
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ sim: QUICK, env: { API_KEYS: USER, ADMIN_API_KEYS: ADMIN } });
  });
  afterAll(() => stack.close());

  it('refuses a key that is not an admin key, and no key', async () => {
    const user = await fetch(`${stack.url}/metrics`, { headers: { authorization: `Bearer ${USER}` } });
    expect(user.status).toBe(403);
    expect(await user.text()).not.toContain(USER);
    expect((await fetch(`${stack.url}/metrics`)).status).toBe(401);
  });

  it('answers an admin key', async () => {
    const samples = await scrape(stack.url, { authorization: `Bearer ${ADMIN}` });
    expect(samples.has('bic_queue_length')).toBe(true);
    expect(stack.logs.join('\n')).not.toContain(ADMIN);
  });
});
