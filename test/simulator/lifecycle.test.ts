import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { COOKIE, call, pollImage, submitImage } from './http.js';

describe('recording and control', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim.close());
  beforeEach(() => sim.reset());

  it('records every Bing request with lowercase headers, query, body and time', async () => {
    const before = Date.now();
    const { id } = await submitImage(sim.url, 'a cat [sim:ms=0]');
    await pollImage(sim.url, id!, 'a cat');
    await call(`${sim.url}/__sim/jobs`);
    await call(`${sim.url}/th/id/OIG1.x`);
    expect(sim.requests).toHaveLength(2);
    const [submit, poll] = sim.requests;
    expect(submit).toMatchObject({
      method: 'POST',
      path: '/images/create',
      query: { q: 'a cat [sim:ms=0]', rt: '4', mdl: '0', ar: '1', FORM: 'GENCRE' },
    });
    expect(submit!.headers.cookie).toContain(`_U=${COOKIE}`);
    expect(submit!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.keys(submit!.headers).every((h) => h === h.toLowerCase())).toBe(true);
    expect(new URLSearchParams(submit!.body).get('q')).toBe('a cat [sim:ms=0]');
    expect(submit!.at).toBeGreaterThanOrEqual(before);
    expect(poll!.at).toBeGreaterThanOrEqual(submit!.at);
    expect(sim.submits()).toEqual([submit]);
    expect(sim.polls(id!)).toEqual([poll]);
    expect(sim.polls('1-other')).toEqual([]);
  });

  it('serves the control API over HTTP', async () => {
    const { id } = await submitImage(sim.url, 'a cat [sim:never]');
    const requests = JSON.parse((await call(`${sim.url}/__sim/requests`)).text) as { path: string }[];
    expect(requests.map((r) => r.path)).toEqual(['/images/create']);
    const jobs = JSON.parse((await call(`${sim.url}/__sim/jobs`)).text) as { id: string; readyAt: number | null }[];
    expect(jobs).toEqual([expect.objectContaining({ id, readyAt: null })]);

    const set = await call(`${sim.url}/__sim/scenario`, {
      method: 'POST',
      body: JSON.stringify({ submit: 'blocked' }),
    });
    expect(set.status).toBe(200);
    expect((await submitImage(sim.url, 'a dog')).text).toContain('This prompt has been blocked');
    expect((await call(`${sim.url}/__sim/scenario`, { method: 'POST', body: '{"bogus":1}' })).status).toBe(400);
    expect((await call(`${sim.url}/__sim/scenario`, { method: 'POST', body: 'not json' })).status).toBe(400);
    await call(`${sim.url}/__sim/scenario`, { method: 'POST', body: 'null' });
    expect((await submitImage(sim.url, 'a dog')).status).toBe(302);

    const configured = await call(`${sim.url}/__sim/configure`, {
      method: 'POST',
      body: JSON.stringify({ validCookies: ['only-this'], durations: { DALLE: { minMs: 42, maxMs: 42 } } }),
    });
    expect(configured.status).toBe(200);
    expect((await submitImage(sim.url, 'a dog')).status).toBe(200);
    const accepted = await submitImage(sim.url, 'a dog', { cookie: 'only-this' });
    const job = sim.jobs.get(accepted.id!)!;
    expect(job.readyAt - job.submittedAt).toBe(42);
    expect((await call(`${sim.url}/__sim/configure`, { method: 'POST', body: '{"timeScale":-1}' })).status).toBe(400);
    await call(`${sim.url}/__sim/configure`, {
      method: 'POST',
      body: JSON.stringify({ validCookies: null, durations: { DALLE: { minMs: 5000, maxMs: 15000 } } }),
    });
    expect((await submitImage(sim.url, 'a dog')).status).toBe(302);

    expect((await call(`${sim.url}/__sim/reset`, { method: 'POST' })).status).toBe(200);
    expect(sim.requests).toEqual([]);
    expect(sim.jobs.size).toBe(0);
    expect((await call(`${sim.url}/__sim/nothing`)).status).toBe(404);
  });
});

describe('timing options', () => {
  it('scales drawn durations and uses the given random source', async () => {
    const sim = await startSimulator({ timeScale: 0.01, random: () => 0.5 });
    try {
      const dalle = await submitImage(sim.url, 'a cat');
      const gpt = await submitImage(sim.url, 'a cat', { model: 'GPT4O' });
      const exact = await submitImage(sim.url, 'a cat [sim:ms=7]');
      const span = (id: string | null) => sim.jobs.get(id!)!.readyAt - sim.jobs.get(id!)!.submittedAt;
      expect(span(dalle.id)).toBeCloseTo(100, 6);
      expect(span(gpt.id)).toBeCloseTo(450, 6);
      expect(span(exact.id)).toBe(7);
      sim.configure({ timeScale: 1, durations: { MAI1: { minMs: 10, maxMs: 20 } } });
      const mai = await submitImage(sim.url, 'a cat', { model: 'MAI1' });
      expect(span(mai.id)).toBe(15);
      expect(() => sim.configure({ timeScale: Number.NaN })).toThrow(TypeError);
    } finally {
      await sim.close();
    }
  });
});

describe('close', () => {
  it('closes keep-alive sockets and pending delays at once, and refuses connections afterwards', async () => {
    const sim = await startSimulator();
    const agent = new Agent({ keepAliveTimeout: 60_000 });
    const headers = { cookie: `_U=${COOKIE}` };
    try {
      const { id } = await submitImage(sim.url, 'a cat [sim:slow=30000] [sim:ms=0]');
      await (await request(`${sim.url}/images/create`, { dispatcher: agent, headers })).body.dump();
      const hanging = request(`${sim.url}/images/create/async/results/${id}?q=a`, { dispatcher: agent, headers });
      hanging.catch(() => {});
      while (sim.polls(id!).length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      const started = Date.now();
      await Promise.all([sim.close(), sim.close()]);
      expect(Date.now() - started).toBeLessThan(1_000);
      await expect(hanging).rejects.toThrow();
      await expect(call(`${sim.url}/images/create`)).rejects.toThrow();
    } finally {
      await agent.destroy();
    }
  });

  it('leaves nothing behind: a process that closed its simulator exits by itself', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/simulator/fixtures/close-exits.ts'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 8_000);
    try {
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
      expect(output.trim()).toBe('closed');
      expect(signal).toBeNull();
      expect(code).toBe(0);
    } finally {
      clearTimeout(timer);
    }
  });
});

describe('npm run simulator', () => {
  it('prints its URL, answers, and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/simulator/main.ts'], {
      env: { ...process.env, SIM_PORT: '0', SIM_TIME_SCALE: '0.001' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const lines = createInterface({ input: child.stdout! });
      const [line] = (await once(lines, 'line')) as [string];
      const match = /^Bing simulator listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
      expect(match).not.toBeNull();
      const url = match![1]!;
      const submitted = await submitImage(url, 'a cat');
      expect(submitted.status).toBe(302);
      const jobs = JSON.parse((await call(`${url}/__sim/jobs`)).text) as { readyAt: number; submittedAt: number }[];
      expect(jobs[0]!.readyAt - jobs[0]!.submittedAt).toBeLessThanOrEqual(15);
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
