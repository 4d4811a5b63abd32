import { decodeHTML } from 'entities';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  PLACEHOLDER_IMAGES,
  resultImageNames,
  revisedPrompt,
  startSimulator,
  type Simulator,
} from '../../src/simulator/index.js';
import { SIGNED_IN, imgSources, markersIn, pollImage, sleep, submitImage } from './http.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

/** Submits, waits out a `[sim:ms=0]` job and returns the first poll. */
async function doneResult(prompt: string, model: 'DALLE' | 'GPT4O' | 'MAI1' = 'DALLE') {
  const { id } = await submitImage(sim.url, `${prompt} [sim:ms=0]`, { model });
  const reply = await pollImage(sim.url, id!, prompt, model);
  return { id: id!, reply, job: sim.jobs.get(id!)! };
}

describe('image poll', () => {
  it('is pending (empty body) until readyAt, then done; timing does not depend on polls', async () => {
    const { id } = await submitImage(sim.url, 'a cat [sim:ms=150]');
    const job = sim.jobs.get(id!)!;
    expect(job.readyAt - job.submittedAt).toBe(150);
    const pending = await pollImage(sim.url, id!, 'a cat');
    expect(pending.status).toBe(200);
    expect(pending.text).toBe('');
    expect(job.firstSeenDoneAt).toBeNull();
    await sleep(job.readyAt - Date.now() + 20);
    const done = await pollImage(sim.url, id!, 'a cat');
    expect(done.status).toBe(200);
    expect(done.text).toContain('text/css');
    expect(imgSources(done.text)).toHaveLength(4);
    expect(job.polls).toBe(2);
    expect(job.firstSeenDoneAt).toBeGreaterThanOrEqual(job.readyAt);
    const first = job.firstSeenDoneAt;
    await pollImage(sim.url, id!, 'a cat');
    expect(job.firstSeenDoneAt).toBe(first);
    expect(sim.polls(id!)).toHaveLength(3);
    expect(sim.polls()).toHaveLength(3);
  });

  it('[sim:pending-html] answers HTML without result markup while pending', async () => {
    const { id } = await submitImage(sim.url, 'a cat [sim:pending-html] [sim:never]');
    const pending = await pollImage(sim.url, id!, 'a cat');
    expect(pending.text).toMatch(/^<!DOCTYPE html>/);
    expect(pending.text).not.toContain('text/css');
    expect(imgSources(pending.text)).toEqual([]);
    expect(sim.jobs.get(id!)!.readyAt).toBe(Number.POSITIVE_INFINITY);
  });

  it('GPT-4o answers a partial strm page during the last 40% of its duration', async () => {
    const { id } = await submitImage(sim.url, 'a cat [sim:ms=1000]', { model: 'GPT4O' });
    const job = sim.jobs.get(id!)!;
    expect((await pollImage(sim.url, id!, 'a cat', 'GPT4O')).text).toBe('');
    await sleep(job.submittedAt + 750 - Date.now());
    const partial = await pollImage(sim.url, id!, 'a cat', 'GPT4O');
    expect(partial.text).toContain('imgri-inner-container strm');
    expect(job.firstSeenDoneAt).toBeNull();
    await sleep(job.readyAt - Date.now() + 20);
    const done = await pollImage(sim.url, id!, 'a cat', 'GPT4O');
    expect(done.text).not.toContain('strm');
    expect(imgSources(done.text)).toHaveLength(1);
  });

  it.each([
    ['DALLE', 'OIG1', 4],
    ['GPT4O', 'OIG4', 1],
    ['MAI1', 'OIG2', 1],
  ] as const)('%s gives %s images, %i of them, as absolute tse1 URLs by default', async (model, prefix, count) => {
    const { reply, job } = await doneResult('a cat', model);
    const names = resultImageNames(job);
    expect(names).toHaveLength(count);
    expect(imgSources(reply.text)).toEqual(
      names.map((n) => `https://tse1.mm.bing.net/th/id/${n}?w=270&amp;h=270&amp;c=6&amp;pid=ImgGn`),
    );
    for (const n of names) expect(n.startsWith(`${prefix}.`)).toBe(true);
    expect(reply.text).toMatch(/<img class="image-row-img mimg"[^>]*src="/);
  });

  it('[sim:urls=relative] and [sim:urls=origin]', async () => {
    const relative = await doneResult('a cat [sim:urls=relative]');
    expect(imgSources(relative.reply.text)[0]).toMatch(/^\/th\/id\/OIG1\.\w+\?w=270&amp;h=270&amp;pid=ImgGn$/);
    const origin = await doneResult('a cat [sim:urls=origin]');
    const src = imgSources(origin.reply.text)[0]!;
    expect(src).toBe(`${sim.url}/th/id/${resultImageNames(origin.job)[0]}?pid=ImgGn`);
  });

  it('[sim:noise] adds js/svg, placeholders, foreign hosts and duplicates around the real images', async () => {
    const { reply, job } = await doneResult('a cat [sim:noise]');
    const sources = imgSources(reply.text).map((s) => decodeHTML(s));
    expect(sources.some((s) => s.includes('/th/id/') && /\.js$/.test(s))).toBe(true);
    expect(sources.some((s) => s.includes('/th/id/') && /\.svg(\?|$)/.test(s))).toBe(true);
    for (const p of PLACEHOLDER_IMAGES) expect(sources).toContain(p);
    expect(
      sources.some((s) => !new URL(s).hostname.endsWith('bing.com') && !new URL(s).hostname.endsWith('bing.net')),
    ).toBe(true);
    const real = resultImageNames(job);
    const mentions = (name: string) => sources.filter((s) => s.includes(`/th/id/${name}?`)).length;
    for (const n of real) expect(mentions(n)).toBeGreaterThanOrEqual(2);
    // The first appearance of each real image keeps the real order.
    const firstSeen = real.map((n) => sources.findIndex((s) => s.includes(`/th/id/${n}?`)));
    expect([...firstSeen].sort((a, b) => a - b)).toEqual(firstSeen);
  });

  it('[sim:selcap] and [sim:alt] carry the revised prompt with entities', async () => {
    const selcap = await doneResult('a cat [sim:selcap]');
    const attr = /data-selcap="([^"]*)"/.exec(selcap.reply.text)![1]!;
    expect(attr).toContain('&quot;');
    expect(attr).toContain('&amp;');
    expect(decodeHTML(attr)).toBe(revisedPrompt('a cat [sim:selcap]'));
    expect(revisedPrompt('a cat [sim:selcap]')).toContain('of a cat');

    const alt = await doneResult('a dog [sim:alt]', 'GPT4O');
    const altAttr = /<img class="image-row-img[^>]*\balt="([^"]*)"/.exec(alt.reply.text)![1]!;
    expect(decodeHTML(altAttr)).toBe(revisedPrompt('a dog'));
    expect((await doneResult('a dog')).reply.text).not.toMatch(/data-selcap|alt="/);
  });

  it('[sim:onlyplaceholders] lists only the placeholder images', async () => {
    const { reply } = await doneResult('a cat [sim:onlyplaceholders]');
    expect(imgSources(reply.text)).toEqual([...PLACEHOLDER_IMAGES]);
  });

  it('[sim:poll-error=...] answers a JSON errorMessage after readyAt', async () => {
    const { reply, job } = await doneResult('a cat [sim:poll-error=Something broke]');
    expect(JSON.parse(reply.text)).toEqual({ errorMessage: 'Something broke' });
    expect(job.firstSeenDoneAt).not.toBeNull();
  });

  it('[sim:unsafe] answers the unsafe-content page', async () => {
    const { reply } = await doneResult('a cat [sim:unsafe]');
    expect(markersIn(reply.text)).toEqual(['unsafe image content detected']);
  });

  it('[sim:garbage] answers truncated or binary bodies, never empty, on every poll', async () => {
    const { id, reply, job } = await doneResult('a cat [sim:garbage]');
    const second = await pollImage(sim.url, id, 'a cat');
    for (const r of [reply, second]) {
      expect(r.status).toBe(200);
      expect(r.body.length).toBeGreaterThan(0);
      expect(imgSources(r.text)).toEqual([]);
      expect(r.text.trimStart().startsWith('{')).toBe(false);
    }
    expect(reply.text).not.toBe(second.text);
    expect(job.firstSeenDoneAt).toBeNull();
  });

  it('[sim:poll5xx=N] fails the first N polls with 5xx, then answers', async () => {
    const { id } = await submitImage(sim.url, 'a cat [sim:poll5xx=3] [sim:ms=0]');
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await pollImage(sim.url, id!, 'a cat')).status);
    expect(statuses).toEqual([500, 502, 503, 200]);
  });

  it('[sim:drop=N] destroys the socket for the first N polls', async () => {
    const { id } = await submitImage(sim.url, 'a cat [sim:drop=2] [sim:ms=0]');
    await expect(pollImage(sim.url, id!, 'a cat')).rejects.toThrow();
    await expect(pollImage(sim.url, id!, 'a cat')).rejects.toThrow();
    const ok = await pollImage(sim.url, id!, 'a cat');
    expect(imgSources(ok.text)).toHaveLength(4);
  });

  it('[sim:slow=MS] delays each answer', async () => {
    const { id } = await submitImage(sim.url, 'a cat [sim:slow=200] [sim:ms=0]');
    const start = Date.now();
    const r = await pollImage(sim.url, id!, 'a cat');
    expect(Date.now() - start).toBeGreaterThanOrEqual(190);
    expect(imgSources(r.text)).toHaveLength(4);
  });

  it('[sim:poll429] answers 429 with Retry-After: 30', async () => {
    const { id } = await submitImage(sim.url, 'a cat [sim:poll429] [sim:ms=0]');
    const r = await pollImage(sim.url, id!, 'a cat');
    expect(r.status).toBe(429);
    expect(r.headers['retry-after']).toBe('30');
  });

  it('answers the signed-out page to a poll with an invalid cookie, and 404 for an unknown id', async () => {
    const { id } = await submitImage(sim.url, 'a cat [sim:ms=0]');
    const signedOut = await pollImage(sim.url, id!, 'a cat', 'DALLE', 'expired-1');
    expect(signedOut.status).toBe(200);
    expect(signedOut.text).not.toContain(SIGNED_IN);
    expect(imgSources(signedOut.text)).toEqual([]);
    expect((await pollImage(sim.url, '1-00000000000000000000000000000000', 'a cat')).status).toBe(404);
  });

  it('directives combine', async () => {
    const { id } = await submitImage(sim.url, '[sim:poll5xx=1] a cat [sim:ms=0] [sim:urls=relative] [sim:selcap]');
    expect((await pollImage(sim.url, id!, 'a cat')).status).toBe(500);
    const r = await pollImage(sim.url, id!, 'a cat');
    expect(imgSources(r.text)[0]).toMatch(/^\/th\/id\//);
    expect(r.text).toContain('data-selcap="');
  });
});
