import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_EXPECTED, LearnedSchedule, type PollScheduler } from '../../src/bing/schedule.js';
import type { GenerationKind } from '../../src/bing/protocol.js';
import { startSimulator, videoUrl, type Simulator } from '../../src/simulator/index.js';
import { Clients, failure, recorder, TIME_SCALE } from './harness.js';

let sim: Simulator;
const clients = new Clients(() => sim);

beforeAll(async () => {
  sim = await startSimulator({ timeScale: TIME_SCALE });
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.reset();
  sim.configureVideo({ fastCreations: 3, fastCountForm: 'remaining', countOnWarmUp: false, upload: 'ok' });
});
afterEach(() => clients.closeAll());

const VIDEO_PATH = '/images/create/ai-video-generator';
const GENERATOR_RESULTS = '/images/create/ai-video-generator/async/results/';
const CREATE_RESULTS = '/images/create/async/results/';
// The learned schedule's first video poll comes at about 610 ms here: 700 ms leaves several pending polls.
const SHORT = '[sim:ms=700]';
// Standard mode's prior is minutes; these tests give it the fast prior so that they run in a second.
const quickStandard = () =>
  new LearnedSchedule({
    timeScale: TIME_SCALE,
    expected: { ...DEFAULT_EXPECTED, VIDEO_STANDARD: DEFAULT_EXPECTED.VIDEO },
  });

/** Answers of the results endpoint that were "pending", per the simulator's own job state. */
function pendingPolls(jobId: string): number {
  const job = sim.jobs.get(jobId)!;
  return sim.polls(jobId).filter((r) => r.at < job.readyAt).length;
}

const videoSubmits = () => sim.submits();
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a3c5e1b10000000049454e44ae426082',
  'hex',
);

describe('video submit: modes and forms', () => {
  it('fast: the warm-up page first, then the generator endpoint with the fast parameters, per aspect', async () => {
    const client = clients.make();
    for (const [aspect, ar, ratio] of [
      ['PORTRAIT', '4', '9:16'],
      ['LANDSCAPE', '5', '16:9'],
    ] as const) {
      const prompt = `waves ${aspect} [sim:ms=0]`;
      const submitted = await client.submitVideo({ prompt, aspect, mode: 'FAST' });
      expect(submitted.mode).toBe('FAST');
      expect(submitted.requestId).toMatch(/^4-[0-9a-f]{32}$/);
      const submit = videoSubmits().find((r) => r.query.q === prompt)!;
      expect(submit.path).toBe(VIDEO_PATH);
      expect(submit.query).toMatchObject({ rt: '4', mdl: '0', sm: '1', pt: '4', FORM: 'GENCRE', ar });
      expect(Object.fromEntries(new URLSearchParams(submit.body))).toMatchObject({
        q: prompt,
        model: 'gpt4o',
        aspectRatio: ratio,
      });
      expect(sim.jobs.get(submitted.requestId)).toMatchObject({ kind: 'VIDEO', aspect: Number(ar) });
    }
    const warmUp = sim.requests.find((r) => r.method === 'GET' && r.path === VIDEO_PATH)!;
    expect(warmUp.query).toEqual({ FORM: 'GENEXP', ctype: 'video' });
    expect(sim.requests.indexOf(warmUp)).toBeLessThan(sim.requests.indexOf(videoSubmits()[0]!));
    // The warm-up is trusted for a while: one per account, not one per video.
    expect(
      sim.requests.filter((r) => r.method === 'GET' && r.path === VIDEO_PATH && r.query.FORM === 'GENEXP'),
    ).toHaveLength(1);
  });

  it('standard: rt=3, sm=0, pt=3 and no mdl; a standard job; its polls on Image Creator results path', async () => {
    const client = clients.make({ schedule: quickStandard() });
    const result = await client.createVideo({ prompt: `waves ${SHORT}`, aspect: 'LANDSCAPE', mode: 'STANDARD' });
    expect(result.mode).toBe('STANDARD');
    const [submit] = videoSubmits();
    expect(submit!.query).toMatchObject({ rt: '3', sm: '0', pt: '3', ar: '5' });
    expect(submit!.query.mdl).toBeUndefined();
    expect(sim.jobs.get(result.requestId)!.kind).toBe('VIDEO_STANDARD');
    const polls = sim.polls(result.requestId);
    expect(polls.length).toBeGreaterThan(1);
    for (const poll of polls) {
      expect(poll.path).toBe(CREATE_RESULTS + result.requestId);
      expect(poll.query).toMatchObject({
        mmasync: '1',
        sm: '0',
        mdl: '0',
        ar: '5',
        ctype: 'video',
        IID: 'images.as',
        girftp: '1',
      });
      expect(poll.query.IG).toMatch(/^[0-9A-F]{32}$/);
    }
  });

  it.each(['FAST', 'STANDARD'] as const)(
    '%s falls back to the create form when the generator endpoint is missing',
    async (mode) => {
      const client = clients.make({ schedule: quickStandard() });
      const result = await client.createVideo({
        prompt: `waves [sim:no-dedicated] ${SHORT}`,
        aspect: 'LANDSCAPE',
        mode,
      });
      const [generator, create] = videoSubmits();
      expect(generator!.path).toBe(VIDEO_PATH);
      expect(create!.path).toBe('/images/create');
      expect(create!.query).toMatchObject({
        ctype: 'video',
        FORM: 'GENCRE',
        sm: mode === 'FAST' ? '1' : '0',
        rt: mode === 'FAST' ? '4' : '3',
      });
      expect(create!.headers.referer).toBe(`${sim.url}/images/create?ctype=video`);
      expect(result.url).toBe(videoUrl(sim.jobs.get(result.requestId)!, sim.url));
      expect(sim.jobs.size).toBe(1);
    },
  );

  it('a 200 instead of the 302 is repeated once with the IG and IID of the warm-up page', async () => {
    const client = clients.make();
    const submitted = await client.submitVideo({
      prompt: 'waves [sim:need-ig] [sim:ms=0]',
      aspect: 'PORTRAIT',
      mode: 'FAST',
    });
    const [first, second] = videoSubmits();
    expect(videoSubmits()).toHaveLength(2);
    expect(first!.query.IG).toBeUndefined();
    expect(second!.query).toMatchObject({ IID: sim.video.iid });
    expect(second!.query.IG).toMatch(/^[0-9A-F]{32}$/);
    expect(sim.jobs.size).toBe(1);
    expect(sim.jobs.has(submitted.requestId)).toBe(true);
  });

  it('a 200 whose body names the request id is an accepted submit', async () => {
    const client = clients.make();
    const result = await client.createVideo({ prompt: `waves [sim:video-id-in-body] ${SHORT}`, aspect: 'PORTRAIT' });
    expect(videoSubmits()).toHaveLength(1);
    expect(result.url).toBe(videoUrl(sim.jobs.get(result.requestId)!, sim.url));
  });

  it('classifies the refusals: blocked at once, throttling, and the new failure texts', async () => {
    const client = clients.make();
    const blocked = await failure(client.createVideo({ prompt: 'waves [sim:blocked]', aspect: 'PORTRAIT' }));
    expect(blocked.code).toBe('PROMPT_REJECTED');
    expect(videoSubmits()).toHaveLength(1);
    const throttled = await failure(client.createVideo({ prompt: 'waves [sim:video-throttle]', aspect: 'PORTRAIT' }));
    expect(throttled.code).toBe('RATE_LIMITED');
    expect(throttled.retryAfterSeconds).toBeGreaterThan(0);
    const unavailable = await failure(
      client.createVideo({ prompt: 'waves [sim:video-unavailable=Something went wrong]', aspect: 'PORTRAIT' }),
    );
    expect(unavailable.code).toBe('UPSTREAM');
    expect(unavailable.message).toContain('Something went wrong');
  });
});

describe('fast creations', () => {
  it.each(['remaining', 'aria', 'text'] as const)(
    'are read from the count page (%s form) and counted down',
    async (form) => {
      sim.configureVideo({ fastCreations: 2, fastCountForm: form });
      const client = clients.make();
      expect(client.fastCreationsLeft()).toEqual([{ account: expect.any(String), fastCreationsLeft: null }]);
      const first = await client.submitVideo({ prompt: 'waves [sim:ms=0]', aspect: 'PORTRAIT' });
      expect(first.mode).toBe('FAST');
      expect(client.fastCreationsLeft()[0]!.fastCreationsLeft).toBe(1);
      const count = sim.requests.find(
        (r) => r.method === 'GET' && r.path === '/images/create' && r.query.ctype === 'video',
      )!;
      expect(count.query).toEqual({ ctype: 'video', FORM: 'GENEXP', rt: '4' });
    },
  );

  it('when they run out, FAST is refused with RATE_LIMITED naming standard mode, and a default request falls back to standard', async () => {
    sim.configureVideo({ fastCreations: 1 });
    const client = clients.make({ videoWarmUpTtlMs: 0 });
    expect((await client.submitVideo({ prompt: 'one [sim:ms=0]', aspect: 'PORTRAIT' })).mode).toBe('FAST');
    const submitsBefore = videoSubmits().length;
    const refused = await failure(client.submitVideo({ prompt: 'two [sim:ms=0]', aspect: 'PORTRAIT', mode: 'FAST' }));
    expect(refused.code).toBe('RATE_LIMITED');
    expect(refused.message).toMatch(/standard mode is still open/i);
    // The fresh count said 0: nothing was posted.
    expect(videoSubmits()).toHaveLength(submitsBefore);
    const fallback = await client.submitVideo({ prompt: 'three [sim:ms=0]', aspect: 'PORTRAIT' });
    expect(fallback.mode).toBe('STANDARD');
    expect(sim.jobs.get(fallback.requestId)!.kind).toBe('VIDEO_STANDARD');
    expect(client.fastCreationsLeft()[0]!.fastCreationsLeft).toBe(0);
  });

  it('run out between the count and the submit: the refusal page says 0, a default request goes on in standard', async () => {
    sim.configureVideo({ fastCreations: 1 });
    const client = clients.make();
    // Warm up while one is left, then spend it behind the client's back.
    await client.submitVideo({ prompt: 'one [sim:ms=0]', aspect: 'PORTRAIT' });
    sim.configureVideo({ fastCreations: 1 });
    await fetch(`${sim.url}/images/create/ai-video-generator?q=x&rt=4&mdl=0&sm=1&pt=4&FORM=GENCRE&ar=4`, {
      method: 'POST',
      headers: { cookie: '_U=c1', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'q=x',
      redirect: 'manual',
    });
    const stale = await client.submitVideo({ prompt: 'two [sim:ms=0]', aspect: 'PORTRAIT' });
    expect(stale.mode).toBe('STANDARD');
    const explicit = await failure(
      client.submitVideo({ prompt: 'three [sim:ms=0]', aspect: 'PORTRAIT', mode: 'FAST' }),
    );
    expect(explicit.code).toBe('RATE_LIMITED');
  });

  it('a page that never states the count: unknown, and a silent fast refusal still falls back to standard', async () => {
    sim.configureVideo({ fastCreations: 0, fastCountForm: 'none' });
    const client = clients.make();
    const submitted = await client.submitVideo({ prompt: 'waves [sim:ms=0]', aspect: 'PORTRAIT' });
    expect(submitted.mode).toBe('STANDARD');
    expect(client.fastCreationsLeft()[0]!.fastCreationsLeft).toBeNull();
    expect(sim.jobs.size).toBe(1);
  });
});

describe('video completion: every finished shape', () => {
  it('stays Pending (varied spellings) for several polls, then completes with showContent', async () => {
    const client = clients.make();
    const { watch, types } = recorder();
    const result = await client.createVideo({ prompt: `waves ${SHORT}`, aspect: 'PORTRAIT' }, watch);
    const job = sim.jobs.get(result.requestId)!;
    expect(result.url).toBe(videoUrl(job, sim.url));
    expect(pendingPolls(job.id)).toBeGreaterThanOrEqual(3);
    for (const poll of sim.polls(job.id)) {
      expect(poll.path).toBe(GENERATOR_RESULTS + job.id);
      expect(poll.query).toMatchObject({
        mmasync: '1',
        sm: '1',
        mdl: '0',
        ar: '4',
        ctype: 'video',
        IID: 'images.as',
        girftp: '1',
      });
    }
    // "Pending" is Bing saying so: no fallback page is asked while it says it.
    expect(sim.requests.filter((r) => r.path === VIDEO_PATH && r.method === 'GET' && r.query.id)).toHaveLength(0);
    expect(types()[0]).toBe('submitted');
    expect(types().at(-1)).toBe('completed');
    expect(result.polls).toBe(types().filter((t) => t === 'poll').length);
  });

  it('Pending next to showContent is processing', async () => {
    const client = clients.make();
    const result = await client.createVideo({ prompt: `waves [sim:pending-showcontent] ${SHORT}`, aspect: 'PORTRAIT' });
    expect(pendingPolls(result.requestId)).toBeGreaterThanOrEqual(3);
    expect(result.url).toBe(videoUrl(sim.jobs.get(result.requestId)!, sim.url));
  });

  it('completes with an escaped ourl="..." body', async () => {
    const client = clients.make();
    const result = await client.createVideo({ prompt: `waves [sim:video=ourl] ${SHORT}`, aspect: 'LANDSCAPE' });
    const url = new URL(result.url);
    expect(url.origin + url.pathname).toBe(`${sim.url}/videos/${result.requestId}.mp4`);
    expect(url.searchParams.get('pid')).toBe('videocreator');
  });

  it('completes with JSON value[] and reports width, height and duration', async () => {
    const client = clients.make();
    const result = await client.createVideo({
      prompt: `waves [sim:video=value] [sim:video-seconds=12] ${SHORT}`,
      aspect: 'LANDSCAPE',
    });
    expect(result).toMatchObject({
      url: videoUrl(sim.jobs.get(result.requestId)!, sim.url),
      width: 1280,
      height: 720,
      durationSeconds: 12,
    });
  });

  it('HTML cards: the detail call gives the video', async () => {
    const client = clients.make();
    const result = await client.createVideo({ prompt: `waves [sim:video=cards] ${SHORT}`, aspect: 'PORTRAIT' });
    const job = sim.jobs.get(result.requestId)!;
    expect(result).toMatchObject({ url: videoUrl(job, sim.url), width: 720, height: 1280, durationSeconds: 8 });
    const detail = sim.requests.filter((r) => r.path === `/images/create/detail/async/${job.id}`);
    expect(detail).toHaveLength(1);
    const card = sim.video.extras.get(job.id)!.card;
    expect(detail[0]!.query).toEqual({ imageId: card.imageId, ctype: 'video', skey: card.skey, datatype: 'video' });
  });

  it('completes from the fallback page when the results endpoint never gives the URL', async () => {
    const client = clients.make();
    const result = await client.createVideo({ prompt: `waves [sim:video=fallback] ${SHORT}`, aspect: 'LANDSCAPE' });
    expect(new URL(result.url).searchParams.get('pid')).toBe('videocreator');
    const fallback = sim.requests.filter((r) => r.method === 'GET' && r.path === VIDEO_PATH && r.query.id);
    expect(fallback.length).toBeGreaterThanOrEqual(1);
    expect(fallback[0]!.query).toMatchObject({ id: result.requestId, rt: '4', pt: '4', FORM: 'GUH2CR', dmreload: '1' });
  });

  it('a missing generator results path: the polls move to Image Creator results path', async () => {
    const client = clients.make();
    const result = await client.createVideo({
      prompt: `waves [sim:no-generator-results] ${SHORT}`,
      aspect: 'PORTRAIT',
      mode: 'FAST',
    });
    const paths = sim.polls(result.requestId).map((r) => r.path);
    expect(paths[0]).toBe(GENERATOR_RESULTS + result.requestId);
    expect(paths.slice(1).every((p) => p === CREATE_RESULTS + result.requestId)).toBe(true);
    expect(paths.filter((p) => p.startsWith(GENERATOR_RESULTS))).toHaveLength(1);
  });

  it('accepts a URL on th.bing.com; never returns a thumbnail (TIMEOUT instead)', async () => {
    const client = clients.make({ videoDeadlineMs: 900 });
    const result = await client.createVideo({ prompt: `waves [sim:video-host=bing] [sim:ms=0]`, aspect: 'LANDSCAPE' });
    expect(result.url).toBe(`https://th.bing.com/videos/${result.requestId}.mp4?pid=videocreator`);
    const error = await failure(
      client.createVideo({ prompt: 'waves [sim:video-thumb] [sim:ms=0]', aspect: 'LANDSCAPE' }),
    );
    expect(error.code).toBe('TIMEOUT');
  });
});

describe('video failures', () => {
  it('an errorMessage other than Pending fails with its text; throttling texts are RATE_LIMITED', async () => {
    const client = clients.make();
    const { watch, types } = recorder();
    const error = await failure(
      client.createVideo(
        { prompt: `waves [sim:video-error=Video generation failed] ${SHORT}`, aspect: 'PORTRAIT' },
        watch,
      ),
    );
    expect(error.code).toBe('UPSTREAM');
    expect(error.message).toContain('Video generation failed');
    expect(types().at(-1)).toBe('failed');
    const throttled = await failure(
      client.createVideo({ prompt: 'waves [sim:video-error=Too many requests] [sim:ms=0]', aspect: 'PORTRAIT' }),
    );
    expect(throttled.code).toBe('RATE_LIMITED');
  });

  it('a failure page after the run ("We couldn\'t create") is UPSTREAM with its text', async () => {
    const client = clients.make();
    const error = await failure(
      client.createVideo({
        prompt: "waves [sim:video-fail=We couldn't create your video] [sim:ms=0]",
        aspect: 'PORTRAIT',
      }),
    );
    expect(error.code).toBe('UPSTREAM');
    expect(error.message).toContain("We couldn't create your video");
  });

  it('a rejection after the run → PROMPT_REJECTED; 5xx on polls is retried', async () => {
    const client = clients.make();
    expect(
      (await failure(client.createVideo({ prompt: `waves [sim:video-rejected] ${SHORT}`, aspect: 'PORTRAIT' }))).code,
    ).toBe('PROMPT_REJECTED');
    const result = await client.createVideo({ prompt: 'waves [sim:poll5xx=2] [sim:ms=0]', aspect: 'PORTRAIT' });
    expect(result.url).toBe(videoUrl(sim.jobs.get(result.requestId)!, sim.url));
  });
});

describe('timing per mode', () => {
  it('each mode has its own deadline', async () => {
    const client = clients.make({ schedule: quickStandard(), videoDeadlineMs: 400, videoStandardDeadlineMs: 10_000 });
    const fast = await failure(client.createVideo({ prompt: 'waves [sim:ms=1200]', aspect: 'PORTRAIT', mode: 'FAST' }));
    expect(fast.code).toBe('TIMEOUT');
    const standard = await client.createVideo({ prompt: 'waves [sim:ms=1200]', aspect: 'PORTRAIT', mode: 'STANDARD' });
    expect(standard.mode).toBe('STANDARD');
  });

  it('each mode is learned on its own', async () => {
    const seen: Array<[GenerationKind, number]> = [];
    const inner = quickStandard();
    const schedule: PollScheduler = {
      nextDelay: (kind, elapsed) => inner.nextDelay(kind, elapsed),
      observe: (kind, duration, notBefore) => {
        seen.push([kind, duration]);
        inner.observe(kind, duration, notBefore);
      },
    };
    const client = clients.make({ schedule });
    await client.createVideo({ prompt: 'a [sim:ms=0]', aspect: 'PORTRAIT', mode: 'FAST' });
    await client.createVideo({ prompt: 'b [sim:ms=0]', aspect: 'PORTRAIT', mode: 'STANDARD' });
    expect(seen.map(([kind]) => kind)).toEqual(['VIDEO', 'VIDEO_STANDARD']);
  });
});

describe('image-to-video', () => {
  it('uploads first (multipart imageBase64, sid from _SS), then submits with the bcid in ctxt', async () => {
    const client = clients.make();
    const result = await client.createVideo({
      prompt: `waves ${SHORT}`,
      aspect: 'PORTRAIT',
      imageBase64: PNG.toString('base64'),
    });
    const upload = sim.requests.find((r) => r.path === '/images/create/upload')!;
    expect(upload.method).toBe('POST');
    expect(upload.query.sid).toBe(sim.video.sid);
    expect(upload.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(upload.body).toContain('name="imageBase64"');
    const [bcid] = [...sim.video.uploads.keys()];
    const [submit] = videoSubmits();
    expect(sim.requests.indexOf(upload)).toBeLessThan(sim.requests.indexOf(submit!));
    const ctxt = JSON.parse(new URLSearchParams(submit!.body).get('ctxt')!) as unknown;
    expect(ctxt).toEqual([{ InputMediaList: [{ MediaSource: 1, MediaType: 0, MediaId: bcid }] }]);
    expect(sim.video.extras.get(result.requestId)!.image).toBe(bcid);
  });

  it.each(['error', 'json-error'] as const)(
    'a failed upload (%s) is a named error and nothing is submitted',
    async (upload) => {
      sim.configureVideo({ upload });
      const client = clients.make();
      const error = await failure(
        client.createVideo({ prompt: 'waves [sim:ms=0]', aspect: 'PORTRAIT', imageBase64: PNG.toString('base64') }),
      );
      expect(error.code).toBe('UPSTREAM');
      expect(error.message).toMatch(/source image/);
      expect(error.message).toMatch(/no video was submitted/);
      expect(videoSubmits()).toHaveLength(0);
    },
  );
});

describe('video resume', () => {
  it.each(['FAST', 'STANDARD'] as const)(
    'a new client waits for a saved %s video without submitting again',
    async (mode) => {
      const request = { prompt: `waves ${SHORT}`, aspect: 'PORTRAIT' } as const;
      const first = clients.make({ schedule: quickStandard() });
      const submitted = await first.submitVideo({ ...request, mode });
      await first.destroy();
      const second = clients.make({ schedule: quickStandard() });
      const result = await second.waitForVideo(request, { ...submitted, mode });
      expect(videoSubmits()).toHaveLength(1);
      expect(result.mode).toBe(mode);
      expect(result.url).toBe(videoUrl(sim.jobs.get(submitted.requestId)!, sim.url));
      const expectedPath = mode === 'FAST' ? GENERATOR_RESULTS : CREATE_RESULTS;
      expect(sim.polls(submitted.requestId).every((r) => r.path === expectedPath + submitted.requestId)).toBe(true);
    },
  );
});
