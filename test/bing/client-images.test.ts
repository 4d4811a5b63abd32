import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IMAGE_ASPECT_NAMES, IMAGE_ASPECTS, IMAGE_MODEL_NAMES, IMAGE_MODELS } from '../../src/bing/protocol.js';
import { resultImageNames, revisedPrompt, startSimulator, type Simulator } from '../../src/simulator/index.js';
import { bingImage, Clients, COOKIE, failure, recorder, TIME_SCALE } from './harness.js';

let sim: Simulator;
const clients = new Clients(() => sim);

beforeAll(async () => {
  sim = await startSimulator({ timeScale: TIME_SCALE });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());
afterEach(() => clients.closeAll());

describe('each model and aspect', () => {
  for (const model of IMAGE_MODEL_NAMES) {
    it(`${model}: sends mdl/ar/rt as documented and returns ${model === 'DALLE' ? 'four images' : 'one image'}`, async () => {
      const client = clients.make();
      for (const aspect of IMAGE_ASPECT_NAMES) {
        const prompt = `a lighthouse ${model} ${aspect} [sim:ms=20]`;
        const result = await client.createImage({ prompt, model, aspect });

        const submit = sim.submits().find((r) => r.query.q === prompt)!;
        expect(submit.query).toMatchObject({
          mdl: String(IMAGE_MODELS[model].mdl),
          ar: String(IMAGE_ASPECTS[aspect].ar),
          rt: '4',
          FORM: 'GENCRE',
        });
        expect(new URLSearchParams(submit.body).get('q')).toBe(prompt);
        const job = sim.jobs.get(result.requestId)!;
        expect(job.kind).toBe(model);
        expect(job.aspect).toBe(IMAGE_ASPECTS[aspect].ar);

        expect(result.images).toHaveLength(model === 'DALLE' ? 4 : 1);
        expect(result.images).toEqual(resultImageNames(job).map(bingImage));
        expect(result.revisedPrompt).toBeNull();
        expect(result.polls).toBe(sim.polls(job.id).length);
        for (const poll of sim.polls(job.id)) {
          expect(poll.query).toMatchObject({
            q: prompt,
            mdl: String(IMAGE_MODELS[model].mdl),
            ar: String(IMAGE_ASPECTS[aspect].ar),
          });
        }
      }
    });
  }

  it('learns the session first, then sends the cookie, browser headers and IG on every request', async () => {
    const client = clients.make();
    const result = await client.createImage({ prompt: 'a fox [sim:ms=20]', model: 'DALLE', aspect: 'SQUARE' });
    const [session, ...rest] = sim.requests;
    expect(session).toMatchObject({ method: 'GET', path: '/images/create' });
    const submit = sim.submits()[0]!;
    const ig = submit.query.IG;
    expect(ig).toMatch(/^[0-9A-F]{32}$/);
    const srchhpgusr = new RegExp(`^_U=${COOKIE}; SRCHHPGUSR=SRCHLANG=en&HV=\\d+&HVE=[\\w-]+&IG=${ig}$`);
    expect(submit.headers.cookie).toMatch(srchhpgusr);
    expect(submit.headers).toMatchObject({
      'content-type': 'application/x-www-form-urlencoded',
      origin: sim.url,
      referer: `${sim.url}/images/create`,
      'accept-language': 'en-US,en;q=0.9',
    });
    expect(submit.headers['user-agent']).toMatch(/Chrome\/\d+/);
    expect(session!.headers.cookie).toBe(`_U=${COOKIE}`);
    for (const request of rest) expect(request.headers.cookie).toMatch(srchhpgusr);
    for (const poll of sim.polls(result.requestId)) expect(poll.query).toMatchObject({ IG: ig, IID: 'images.as' });
    expect(client.session()).toBe('active');
  });

  it('GPT-4o streams partial output first: reported as partial, never taken as the result', async () => {
    const client = clients.make();
    const { events, watch, types } = recorder();
    const result = await client.createImage(
      { prompt: 'a robot [sim:ms=400]', model: 'GPT4O', aspect: 'SQUARE' },
      watch,
    );
    expect(types()).toContain('partial');
    expect(types().at(-1)).toBe('completed');
    expect(result.images).toEqual(resultImageNames(sim.jobs.get(result.requestId)!).map(bingImage));
    expect(events.filter((e) => e.type === 'poll').length).toBeGreaterThan(1);
  });
});

describe('submit answers', () => {
  it('falls back from rt=4 to rt=3 when the boost is refused', async () => {
    const client = clients.make();
    const result = await client.createImage({
      prompt: 'a boat [sim:noboost] [sim:ms=20]',
      model: 'DALLE',
      aspect: 'SQUARE',
    });
    expect(sim.submits().map((r) => r.query.rt)).toEqual(['4', '3']);
    expect(result.images).toHaveLength(4);
  });

  it('takes the id from a Location that carries &nfy=1', async () => {
    const client = clients.make();
    const result = await client.createImage({
      prompt: 'a boat [sim:nfy] [sim:ms=20]',
      model: 'MAI1',
      aspect: 'PORTRAIT',
    });
    expect(sim.jobs.has(result.requestId)).toBe(true);
    expect(result.images).toHaveLength(1);
  });

  const blocked = ['blocked', 'blocked-icon', 'blocked-clarity', 'blocked-dq'];
  for (const marker of blocked) {
    it(`[sim:${marker}] → PROMPT_REJECTED, one submit, no fallback`, async () => {
      const client = clients.make();
      const error = await failure(
        client.createImage({ prompt: `a cat [sim:${marker}]`, model: 'DALLE', aspect: 'SQUARE' }),
      );
      expect(error.code).toBe('PROMPT_REJECTED');
      expect(error.message).toMatch(/content policy/);
      expect(sim.submits()).toHaveLength(1);
      expect(sim.jobs.size).toBe(0);
    });
  }

  const classified = [
    ['review', 'PROMPT_REJECTED'],
    ['language', 'UNSUPPORTED_LANGUAGE'],
    ['quota', 'RATE_LIMITED'],
    ['unavailable', 'UPSTREAM'],
  ] as const;
  for (const [marker, code] of classified) {
    it(`[sim:${marker}] → ${code}`, async () => {
      const client = clients.make();
      const error = await failure(
        client.createImage({ prompt: `a cat [sim:${marker}]`, model: 'GPT4O', aspect: 'SQUARE' }),
      );
      expect(error.code).toBe(code);
      if (code === 'RATE_LIMITED') expect(error.retryAfterSeconds).toBeGreaterThan(0);
      expect(sim.submits()).toHaveLength(1);
      expect(sim.polls()).toHaveLength(0);
    });
  }

  it('[sim:review-after]: accepted, then held for review on the redirect page → PROMPT_REJECTED, never polled', async () => {
    const client = clients.make();
    const { events, watch, types } = recorder();
    const error = await failure(
      client.createImage({ prompt: 'a cat [sim:review-after]', model: 'DALLE', aspect: 'SQUARE' }, watch),
    );
    expect(error.code).toBe('PROMPT_REJECTED');
    expect(error.message).toMatch(/review/);
    const [job] = [...sim.jobs.values()];
    expect(sim.requests.some((r) => r.method === 'GET' && r.path === '/images/create' && r.query.id === job!.id)).toBe(
      true,
    );
    expect(sim.polls()).toHaveLength(0);
    expect(types()).toEqual(['submitted', 'failed']);
    expect(events[0]).toMatchObject({ type: 'submitted', requestId: job!.id });
  });

  it('a signed-in home page without any marker → PROMPT_REJECTED after both rt values', async () => {
    const client = clients.make();
    const error = await failure(client.createImage({ prompt: 'a cat [sim:home]', model: 'DALLE', aspect: 'SQUARE' }));
    expect(error.code).toBe('PROMPT_REJECTED');
    expect(sim.submits().map((r) => r.query.rt)).toEqual(['4', '3']);
    expect(client.session()).toBe('active');
  });

  it('an expired cookie → AUTH before any submit is spent', async () => {
    const client = clients.make({ cookies: ['expired-x'] });
    const { watch, types } = recorder();
    const error = await failure(client.createImage({ prompt: 'a cat', model: 'DALLE', aspect: 'SQUARE' }, watch));
    expect(error.code).toBe('AUTH');
    expect(error.message).toMatch(/cookie/i);
    expect(sim.submits()).toHaveLength(0);
    expect(sim.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /images/create']);
    expect(client.session()).toBe('expired');
    expect(types()).toEqual(['failed']);
    // The account is known to be signed out now: a second attempt is refused the same way, still without a submit.
    expect((await failure(client.createImage({ prompt: 'a cat', model: 'DALLE', aspect: 'SQUARE' }))).code).toBe(
      'AUTH',
    );
    expect(sim.submits()).toHaveLength(0);
  });

  it('no cookie → AUTH without a single request', async () => {
    const client = clients.make({ cookies: [] });
    expect(client.cookieSet()).toBe(false);
    const { watch, types } = recorder();
    const error = await failure(client.createImage({ prompt: 'a cat', model: 'DALLE', aspect: 'SQUARE' }, watch));
    expect(error.code).toBe('AUTH');
    expect(error.message).toMatch(/BING_COOKIE_U/);
    expect(sim.requests).toHaveLength(0);
    expect(types()).toEqual(['failed']);
    expect((await failure(client.createVideo({ prompt: 'waves', aspect: 'LANDSCAPE' }))).code).toBe('AUTH');
  });
});

describe('results', () => {
  it('normalises relative and origin URLs onto the configured origin', async () => {
    const client = clients.make();
    for (const style of ['relative', 'origin']) {
      const result = await client.createImage({
        prompt: `a cat [sim:urls=${style}] [sim:ms=20]`,
        model: 'DALLE',
        aspect: 'SQUARE',
      });
      const names = resultImageNames(sim.jobs.get(result.requestId)!);
      expect(result.images).toEqual(names.map((name) => `${sim.url}/th/id/${name}?pid=ImgGn`));
    }
  });

  it('drops the noise (scripts, svg, placeholders, foreign and http hosts, duplicates), keeping order', async () => {
    const client = clients.make();
    const result = await client.createImage({
      prompt: 'a cat [sim:noise] [sim:ms=20]',
      model: 'DALLE',
      aspect: 'SQUARE',
    });
    expect(result.images).toEqual(resultImageNames(sim.jobs.get(result.requestId)!).map(bingImage));
  });

  it('reads the revised prompt from data-selcap and from alt', async () => {
    const client = clients.make();
    for (const where of ['selcap', 'alt']) {
      const prompt = `a cat [sim:${where}] [sim:ms=20]`;
      const result = await client.createImage({ prompt, model: 'GPT4O', aspect: 'SQUARE' });
      expect(result.revisedPrompt).toBe(revisedPrompt(prompt));
      expect(result.revisedPrompt).toContain('"cinematic" view');
      expect(result.revisedPrompt).toContain('& café');
    }
  });

  it('waits through pending pages that are HTML instead of an empty body', async () => {
    const client = clients.make();
    const result = await client.createImage({
      prompt: 'a cat [sim:pending-html] [sim:ms=120]',
      model: 'DALLE',
      aspect: 'SQUARE',
    });
    expect(result.images).toHaveLength(4);
    expect(result.polls).toBeGreaterThan(1);
  });

  it('only placeholders → PROMPT_REJECTED; unsafe output → PROMPT_REJECTED; a JSON errorMessage → UPSTREAM with its text', async () => {
    const client = clients.make();
    const request = { model: 'DALLE', aspect: 'SQUARE' } as const;
    expect(
      (await failure(client.createImage({ ...request, prompt: 'a [sim:onlyplaceholders] [sim:ms=20]' }))).code,
    ).toBe('PROMPT_REJECTED');
    expect((await failure(client.createImage({ ...request, prompt: 'a [sim:unsafe] [sim:ms=20]' }))).code).toBe(
      'PROMPT_REJECTED',
    );
    const error = await failure(
      client.createImage({ ...request, prompt: 'a [sim:poll-error=The model is overloaded] [sim:ms=20]' }),
    );
    expect(error.code).toBe('UPSTREAM');
    expect(error.message).toContain('The model is overloaded');
  });
});

describe('resume, events and stats', () => {
  it('a new client resumes a saved request id without submitting again', async () => {
    const request = { prompt: 'a cat [sim:ms=150]', model: 'DALLE', aspect: 'LANDSCAPE' } as const;
    const first = clients.make();
    const submitted = await first.submitImage(request);
    await first.destroy();

    const second = clients.make();
    const saved = JSON.parse(JSON.stringify(submitted)) as typeof submitted;
    const result = await second.waitForImage(request, saved);
    expect(sim.submits()).toHaveLength(1);
    expect(result.requestId).toBe(submitted.requestId);
    expect(result.submittedAt).toBe(submitted.submittedAt);
    expect(result.images).toEqual(resultImageNames(sim.jobs.get(submitted.requestId)!).map(bingImage));
    expect(second.stats().submits).toBe(0);
  });

  it('a resumed generation whose deadline has passed times out without polling', async () => {
    const client = clients.make();
    const request = { prompt: 'a cat [sim:ms=20]', model: 'DALLE', aspect: 'SQUARE' } as const;
    const submitted = await client.submitImage(request);
    const error = await failure(client.waitForImage(request, { ...submitted, deadlineAt: Date.now() - 1 }));
    expect(error.code).toBe('TIMEOUT');
    expect(sim.polls()).toHaveLength(0);
  });

  it('an unknown account cannot resume', async () => {
    const client = clients.make();
    const error = await failure(
      client.waitForImage(
        { prompt: 'a', model: 'DALLE', aspect: 'SQUARE' },
        { requestId: '1-abc', account: 'not-an-account', submittedAt: Date.now() },
      ),
    );
    expect(error.code).toBe('AUTH');
  });

  it('reports submitted (with the request id), each poll in order, then completed', async () => {
    const client = clients.make();
    const { events, watch, types } = recorder();
    const result = await client.createImage({ prompt: 'a cat [sim:ms=100]', model: 'DALLE', aspect: 'SQUARE' }, watch);
    expect(types()[0]).toBe('submitted');
    expect(events[0]).toMatchObject({
      type: 'submitted',
      requestId: result.requestId,
      submittedAt: result.submittedAt,
    });
    expect(types().at(-1)).toBe('completed');
    const polls = events.filter((e) => e.type === 'poll');
    expect(polls.map((e) => e.type === 'poll' && e.attempt)).toEqual(polls.map((_, i) => i + 1));
    expect(polls).toHaveLength(result.polls);
    expect(
      types()
        .slice(1, -1)
        .every((t) => t === 'poll'),
    ).toBe(true);
    const times = events.map((e) => e.at);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('reports failed last, with the error', async () => {
    const client = clients.make();
    const { events, watch, types } = recorder();
    const error = await failure(
      client.createImage({ prompt: 'a [sim:poll-error=Nope] [sim:ms=20]', model: 'DALLE', aspect: 'SQUARE' }, watch),
    );
    expect(types()[0]).toBe('submitted');
    expect(types().at(-1)).toBe('failed');
    expect(events.at(-1)).toMatchObject({ type: 'failed', error });
    expect(types().filter((t) => t === 'failed')).toHaveLength(1);
  });

  it('stats() counts submits and polls', async () => {
    const client = clients.make();
    expect(client.stats()).toMatchObject({ submits: 0, polls: 0 });
    const a = await client.createImage({ prompt: 'a [sim:ms=60]', model: 'DALLE', aspect: 'SQUARE' });
    const b = await client.createImage({ prompt: 'b [sim:noboost] [sim:ms=60]', model: 'DALLE', aspect: 'SQUARE' });
    const stats = client.stats();
    expect(stats.submits).toBe(3);
    expect(stats.polls).toBe(a.polls + b.polls);
    expect(stats.polls).toBe(sim.polls().length);
    expect(stats.connections.limit).toBe(16);
    expect(stats.connections.peak).toBeGreaterThanOrEqual(1);
  });
});
