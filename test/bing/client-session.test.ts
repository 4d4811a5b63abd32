/**
 * The session against the simulator, over real HTTP: the page read before an account's first submit and
 * again when stale, IG and Salt in every form, SRCHHPGUSR, full cookie sets sent whole, and boosts that
 * run out.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { BOOST_FORMS, SESSION_FORMS } from '../../src/simulator/markup.js';
import { COOKIE, Clients, failure } from './harness.js';

let sim: Simulator;
const clients = new Clients(() => sim);

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0.01 });
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.reset();
  sim.configure({ boosts: null, boostForm: 'token_bal', sessionForm: 'object' });
});
afterEach(() => clients.closeAll());

const FULL_SET = `MUID=1A2B3C4D5E6F7A8B9C0D; _EDGE_S=SID=0F1E2D3C&mkt=en-us; KievRPSSecAuth=FABSBBRaTOJILtFsMkpLVWSG6AN6C/svRwNmAAAEgAAACM; _U=${COOKIE}; SRCHUID=V=2&GUID=9A8B7C6D&dmnchg=1; _SS=SID=0F1E2D3C&R=120&RB=0`;
const image = (prompt: string) => ({ prompt, model: 'DALLE' as const, aspect: 'SQUARE' as const });
const sessionLoads = () => sim.requests.filter((r) => r.method === 'GET' && r.path === '/images/create' && !r.query.id);

function srchhpgusr(cookie: string | undefined): URLSearchParams {
  const value = /(?:^|; )SRCHHPGUSR=([^;]*)/.exec(cookie ?? '')?.[1];
  return new URLSearchParams(value ?? '');
}

describe('the session page', () => {
  it.each(SESSION_FORMS)('reads IG and Salt written as %s, and sends SRCHHPGUSR built from them', async (form) => {
    sim.configure({ sessionForm: form });
    const client = clients.make();
    await client.createImage(image('a fox [sim:needs=srchhpgusr] [sim:ms=10]'));
    const submit = sim.submits()[0]!;
    const cookie = srchhpgusr(submit.headers.cookie);
    expect(cookie.get('IG')).toMatch(/^[0-9A-F]{32}$/);
    expect(submit.query.IG).toBe(cookie.get('IG'));
    expect(cookie.get('HVE')).toMatch(/^[\w-]{6,}$/);
    expect(cookie.get('SRCHLANG')).toBe('en');
    expect(Math.abs(Number(cookie.get('HV')) - Date.now() / 1000)).toBeLessThan(120);
    expect(sim.submits()).toHaveLength(1);
  });

  it('is loaded before the first submit only, and again once stale', async () => {
    const client = clients.make({ sessionTtlMs: 60_000 });
    await client.createImage(image('one [sim:ms=10]'));
    await client.createImage(image('two [sim:ms=10]'));
    expect(sessionLoads()).toHaveLength(1);
    expect(sim.requests[0]).toMatchObject({ method: 'GET', path: '/images/create' });

    const stale = clients.make({ sessionTtlMs: 0 });
    sim.reset();
    await stale.createImage(image('three [sim:ms=10]'));
    await stale.createImage(image('four [sim:ms=10]'));
    expect(sessionLoads()).toHaveLength(2);
  });

  it('a submit answered without a redirect has the page read again before the next submit', async () => {
    const client = clients.make();
    await failure(client.createImage(image('a cat [sim:home]')));
    const loads = sim.requests.map((r, i) => (r.method === 'GET' && r.path === '/images/create' ? i : -1));
    const submits = sim.requests.map((r, i) => (r.method === 'POST' ? i : -1)).filter((i) => i >= 0);
    // Once before the first submit, and again after the answer without a redirect.
    expect(loads.filter((i) => i >= 0 && i < submits[0]!)).toHaveLength(1);
    expect(loads.filter((i) => i > submits.at(-1)!)).toHaveLength(1);
    await client.createImage(image('a cat [sim:ms=10]'));
    expect(sessionLoads()).toHaveLength(2);
  });
});

describe('full cookie sets', () => {
  it('reaches the simulator whole, on every request, with SRCHHPGUSR added', async () => {
    const client = clients.make({ accounts: [{ cookie: FULL_SET, label: 'main' }] });
    const result = await client.createImage(image('a heron [sim:needs=full-set] [sim:ms=10]'));
    expect(result.images.length).toBeGreaterThan(0);
    const pairs = FULL_SET.split('; ');
    for (const request of sim.requests) {
      const sent = request.headers.cookie!.split('; ');
      for (const pair of pairs) expect(sent).toContain(pair);
    }
    expect(srchhpgusr(sim.submits()[0]!.headers.cookie).get('IG')).toMatch(/^[0-9A-F]{32}$/);
  });

  it('the _U cookie alone meets the stand-in that needs the full set with a message that says so', async () => {
    const client = clients.make();
    const error = await failure(client.createImage(image('a heron [sim:needs=full-set]')));
    expect(error.code).toBe('UPSTREAM');
    expect(error.message).toMatch(/incomplete session/);
    expect(error.message).toMatch(/full cookie set/);
    expect(error.message).not.toContain(COOKIE);
    expect(sim.jobs.size).toBe(0);
  });

  it('keeps the fingerprint of the _U value, whichever way the account is given', async () => {
    const alone = clients.make();
    const whole = clients.make({ accounts: [FULL_SET] });
    const a = await alone.submitImage(image('x [sim:ms=10]'));
    const b = await whole.submitImage(image('y [sim:ms=10]'));
    expect(a.account).toBe(b.account);
    expect(JSON.stringify(whole.boosts())).not.toContain(COOKIE);
  });

  it('a 200 submit page carrying the request id is an accepted submit', async () => {
    const client = clients.make();
    for (const form of ['link', 'og']) {
      sim.reset();
      const result = await client.createImage(image(`a kite [sim:id-in-body=${form}] [sim:ms=10]`));
      expect(sim.jobs.has(result.requestId)).toBe(true);
      expect(sim.submits()).toHaveLength(1);
    }
  });
});

describe('boosts', () => {
  it.each(BOOST_FORMS.filter((form) => form !== 'none'))('reads the balance written as %s', async (form) => {
    sim.configure({ boosts: 7, boostForm: form });
    const client = clients.make();
    expect(client.boosts()).toEqual([{ account: expect.any(String), known: false, remaining: null }]);
    await client.checkSessions();
    expect(client.boosts()[0]).toMatchObject({ known: true, remaining: 7 });
  });

  it('is unknown when the page shows no balance, and "0 coins available" is none left', async () => {
    sim.configure({ boosts: 3, boostForm: 'none' });
    const client = clients.make();
    await client.checkSessions();
    expect(client.boosts()[0]).toMatchObject({ known: false, remaining: null });
    sim.configure({ boosts: 0, boostForm: 'coins' });
    await client.checkSessions();
    expect(client.boosts()[0]).toMatchObject({ known: true, remaining: 0 });
  });

  it('run out: rt=4 while some remain, then rt=3, with exactly one accepted submit per generation', async () => {
    sim.configure({ boosts: 2, boostForm: 'token_bal' });
    const client = clients.make({ sessionTtlMs: 3_600_000 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push((await client.createImage(image(`boat ${i} [sim:ms=10]`))).requestId);
    const rts = sim.submits().map((submit) => submit.query.rt);
    expect(rts.slice(0, 2)).toEqual(['4', '4']);
    expect(rts.filter((rt) => rt === '3')).toHaveLength(3);
    // Every generation was accepted once: one job per generation, each polled to its result.
    expect(sim.jobs.size).toBe(5);
    expect(new Set(ids).size).toBe(5);
    expect(client.boosts()[0]).toMatchObject({ known: true, remaining: 0 });
    // Once the balance says none, no fast submit is even tried.
    expect(rts.at(-1)).toBe('3');
    expect(rts.at(-2)).toBe('3');
  });

  it('run out unseen (no balance on the page): rt=4 falls back to rt=3, then rt=3 at once', async () => {
    sim.configure({ boosts: 1, boostForm: 'none' });
    const client = clients.make({ sessionTtlMs: 3_600_000 });
    for (let i = 0; i < 3; i += 1) await client.createImage(image(`raft ${i} [sim:ms=10]`));
    expect(sim.submits().map((submit) => submit.query.rt)).toEqual(['4', '4', '3', '3']);
    expect(sim.jobs.size).toBe(3);
    expect(client.boosts()[0]).toMatchObject({ known: true, remaining: 0 });
  });
});
