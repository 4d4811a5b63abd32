import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sessionPageUrl } from '../../src/bing/protocol.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { SIGNED_IN, call, markersIn, submitImage } from './http.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

describe('session page', () => {
  it('is signed in for a valid cookie, with IG and Salt', async () => {
    const page = await call(sessionPageUrl(sim.url));
    expect(page.status).toBe(200);
    expect(page.text).toContain(SIGNED_IN);
    expect(page.text).toMatch(/IG:"[0-9A-F]{32}"/);
    expect(page.text).toMatch(/Salt:"[^"]+"/);
  });

  it.each([null, '', 'expired-abc', 'invalid', 'INVALID-x'])('is signed out for cookie %j', async (cookie) => {
    const page = await call(sessionPageUrl(sim.url), { cookie });
    expect(page.status).toBe(200);
    expect(page.text).not.toContain(SIGNED_IN);
    expect(page.text).not.toContain('IG:"');
    expect(markersIn(page.text)).toEqual([]);
  });
});

describe('image submit', () => {
  it('answers 302 with the id in Location', async () => {
    const r = await submitImage(sim.url, 'a red fox');
    expect(r.status).toBe(302);
    expect(r.location).toMatch(/^\/images\/create\?q=a%20red%20fox&rt=4&FORM=GENCRE&id=1-[0-9a-f]{32}$/);
    expect(r.id).toMatch(/^1-[0-9a-f]{32}$/);
    const job = sim.jobs.get(r.id!)!;
    expect(job).toMatchObject({ kind: 'DALLE', prompt: 'a red fox', aspect: 1, polls: 0, firstSeenDoneAt: null });
    expect(job.readyAt - job.submittedAt).toBeGreaterThanOrEqual(5_000);
    expect(job.readyAt - job.submittedAt).toBeLessThanOrEqual(15_000);
  });

  it('maps mdl to the job kind and echoes rt', async () => {
    const gpt = await submitImage(sim.url, 'x', { model: 'GPT4O', rt: 3 });
    const mai = await submitImage(sim.url, 'y', { model: 'MAI1' });
    expect(gpt.location).toContain('&rt=3&');
    expect(sim.jobs.get(gpt.id!)!.kind).toBe('GPT4O');
    expect(sim.jobs.get(mai.id!)!.kind).toBe('MAI1');
  });

  it('adds nfy=1 with [sim:nfy]', async () => {
    const r = await submitImage(sim.url, 'a cat [sim:nfy]');
    expect(r.location).toMatch(/&nfy=1$/);
  });

  it.each([
    ['blocked', 'this prompt has been blocked'],
    ['blocked-icon', 'girer_center block_icon'],
    ['blocked-clarity', 'data-clarity-tag="blockedbycontentpolicy"'],
    ['blocked-dq', 'dq-err="'],
    ['review', 'this prompt is being reviewed'],
    ['language', "we're working hard to offer image creator in more languages"],
    ['unavailable', "we can't create your images right now"],
    ['quota', "you can't submit any more prompts"],
  ])('[sim:%s] answers 200 with exactly its marker', async (directive, marker) => {
    const r = await submitImage(sim.url, `a cat [sim:${directive}]`);
    expect(r.status).toBe(200);
    expect(r.location).toBeUndefined();
    expect(markersIn(r.text)).toEqual([marker]);
    expect(sim.jobs.size).toBe(0);
  });

  it('[sim:home] answers the plain home page', async () => {
    const r = await submitImage(sim.url, 'a cat [sim:home]');
    expect(r.status).toBe(200);
    expect(r.location).toBeUndefined();
    expect(markersIn(r.text)).toEqual([]);
  });

  it('[sim:noboost] refuses rt=4 with the home page and accepts rt=3', async () => {
    const fast = await submitImage(sim.url, 'a cat [sim:noboost]', { rt: 4 });
    expect(fast.status).toBe(200);
    expect(markersIn(fast.text)).toEqual([]);
    const slow = await submitImage(sim.url, 'a cat [sim:noboost]', { rt: 3 });
    expect(slow.status).toBe(302);
    expect(slow.id).toMatch(/^1-/);
  });

  it.each([null, 'expired-cookie', 'invalid_x'])('answers the signed-out page for cookie %j', async (cookie) => {
    const r = await submitImage(sim.url, 'a cat', { cookie });
    expect(r.status).toBe(200);
    expect(r.location).toBeUndefined();
    expect(r.text).not.toContain(SIGNED_IN);
    expect(markersIn(r.text)).toEqual([]);
  });

  it('uses setScenario as the default, and prompt directives win', async () => {
    sim.setScenario({ submit: 'quota' });
    expect(markersIn((await submitImage(sim.url, 'a cat')).text)).toEqual(["you can't submit any more prompts"]);
    expect(markersIn((await submitImage(sim.url, 'a cat [sim:review]')).text)).toEqual([
      'this prompt is being reviewed',
    ]);
    sim.setScenario(null);
    expect((await submitImage(sim.url, 'a cat')).status).toBe(302);
    expect(() => sim.setScenario({ submit: 'nope' as never })).toThrow(TypeError);
  });

  it('the redirect target is a normal page, or a review page with [sim:review-after]', async () => {
    const plain = await submitImage(sim.url, 'a cat');
    const held = await submitImage(sim.url, 'a cat [sim:review-after]');
    const plainPage = await call(new URL(plain.location!, sim.url));
    const heldPage = await call(new URL(held.location!, sim.url));
    expect(plainPage.status).toBe(200);
    expect(markersIn(plainPage.text)).toEqual([]);
    expect(plainPage.text).toContain(SIGNED_IN);
    expect(markersIn(heldPage.text)).toEqual(['this prompt is being reviewed']);
  });

  it('answers 400 for an unknown model code and does not crash on odd input', async () => {
    const bad = await call(`${sim.url}/images/create?q=x&rt=4&mdl=9&ar=1&FORM=GENCRE`, { method: 'POST', body: 'q=x' });
    expect(bad.status).toBe(400);
    const empty = await call(`${sim.url}/images/create?rt=4&mdl=0`, { method: 'POST', body: '%%%' });
    expect(empty.status).toBe(200);
    expect((await call(`${sim.url}/nowhere`)).status).toBe(404);
    expect((await call(`${sim.url}/images/create/async/results/%E0%A4%A?q=x`)).status).toBe(404);
    expect((await call(`${sim.url}/images/create/async/results/1-nope?q=x`)).status).toBe(404);
    expect((await call(sessionPageUrl(sim.url))).status).toBe(200);
  });
});
