import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, videoUrl, type Simulator } from '../../src/simulator/index.js';
import { Clients, failure, recorder, TIME_SCALE } from './harness.js';

let sim: Simulator;
const clients = new Clients(() => sim);

beforeAll(async () => {
  sim = await startSimulator({ timeScale: TIME_SCALE });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());
afterEach(() => clients.closeAll());

const VIDEO_PATH = '/images/create/ai-video-generator';
// The learned schedule's first video poll comes at about 610 ms here: 700 ms leaves several pending polls.
const SHORT = '[sim:ms=700]';

/** Answers of the results endpoint that were "pending", per the simulator's own job state. */
function pendingPolls(jobId: string): number {
  const job = sim.jobs.get(jobId)!;
  return sim.polls(jobId).filter((r) => r.at < job.readyAt).length;
}

describe('video submit', () => {
  it('uses the dedicated endpoint with the documented parameters, per aspect', async () => {
    const client = clients.make();
    for (const [aspect, ar] of [
      ['PORTRAIT', '4'],
      ['LANDSCAPE', '5'],
    ] as const) {
      const prompt = `waves ${aspect} [sim:ms=0]`;
      const submitted = await client.submitVideo({ prompt, aspect });
      const submit = sim.submits().find((r) => r.query.q === prompt)!;
      expect(submit.path).toBe(VIDEO_PATH);
      expect(submit.query).toMatchObject({ rt: '4', mdl: '0', ar, FORM: 'GENCRE', hva: '4', pt: '4', sm: '1' });
      expect(sim.jobs.get(submitted.requestId)).toMatchObject({ kind: 'VIDEO', aspect: Number(ar) });
    }
  });

  it('falls back to the legacy form when the dedicated endpoint is missing', async () => {
    const client = clients.make();
    const result = await client.createVideo({ prompt: `waves [sim:no-dedicated] ${SHORT}`, aspect: 'LANDSCAPE' });
    const [dedicated, legacy] = sim.submits();
    expect(dedicated!.path).toBe(VIDEO_PATH);
    expect(legacy!.path).toBe('/images/create');
    expect(legacy!.query).toMatchObject({
      FORM: 'GENCRE',
      rt: '3',
      mdl: '0',
      ar: '1',
      ctype: 'video',
      pt: '3',
      sm: '0',
    });
    expect(Object.fromEntries(new URLSearchParams(legacy!.body))).toMatchObject({ model: 'dalle', aspectRatio: '1:1' });
    expect(legacy!.headers.referer).toBe(`${sim.url}/images/create?ctype=video`);
    expect(result.url).toBe(videoUrl(sim.jobs.get(result.requestId)!, sim.url));
  });

  it('a blocked prompt → PROMPT_REJECTED on the first form, without trying the second', async () => {
    const client = clients.make();
    const error = await failure(client.createVideo({ prompt: 'waves [sim:blocked]', aspect: 'PORTRAIT' }));
    expect(error.code).toBe('PROMPT_REJECTED');
    expect(sim.submits()).toHaveLength(1);
  });
});

describe('video completion', () => {
  it('stays Pending for several polls, then completes with showContent', async () => {
    const client = clients.make();
    const { watch, types } = recorder();
    const result = await client.createVideo({ prompt: `waves ${SHORT}`, aspect: 'PORTRAIT' }, watch);
    const job = sim.jobs.get(result.requestId)!;
    expect(result.url).toBe(videoUrl(job, sim.url));
    expect(pendingPolls(job.id)).toBeGreaterThanOrEqual(3);
    for (const poll of sim.polls(job.id)) expect(poll.query).toMatchObject({ ctype: 'video', sm: '1', girftp: '1' });
    // "Pending" is Bing saying so: no fallback page is asked while it says it.
    expect(sim.requests.filter((r) => r.path === VIDEO_PATH && r.method === 'GET')).toHaveLength(0);
    expect(types()[0]).toBe('submitted');
    expect(types().at(-1)).toBe('completed');
    expect(result.polls).toBe(types().filter((t) => t === 'poll').length);
  });

  it('completes with an escaped ourl="..." body', async () => {
    const client = clients.make({ videoDeadlineMs: 1_500 });
    const result = await client.createVideo({ prompt: `waves [sim:video=ourl] ${SHORT}`, aspect: 'LANDSCAPE' });
    const url = new URL(result.url);
    expect(url.origin + url.pathname).toBe(`${sim.url}/videos/${result.requestId}.mp4`);
    expect(url.searchParams.get('pid')).toBe('videocreator');
    expect(pendingPolls(result.requestId)).toBeGreaterThanOrEqual(3);
  });

  it('completes from the fallback page when the results endpoint never gives the URL', async () => {
    const client = clients.make({ videoDeadlineMs: 1_500 });
    const result = await client.createVideo({ prompt: `waves [sim:video=fallback] ${SHORT}`, aspect: 'LANDSCAPE' });
    const url = new URL(result.url);
    expect(url.origin + url.pathname).toBe(`${sim.url}/videos/${result.requestId}.mp4`);
    expect(url.searchParams.get('pid')).toBe('videocreator');
    const fallback = sim.requests.filter((r) => r.method === 'GET' && r.path === VIDEO_PATH);
    expect(fallback.length).toBeGreaterThanOrEqual(1);
    expect(fallback[0]!.query).toMatchObject({ id: result.requestId, rt: '4', pt: '4', FORM: 'GUH2CR', dmreload: '1' });
  });

  it('accepts a URL on th.bing.com', async () => {
    const client = clients.make();
    const result = await client.createVideo({ prompt: `waves [sim:video-host=bing] ${SHORT}`, aspect: 'LANDSCAPE' });
    expect(result.url).toBe(`https://th.bing.com/videos/${result.requestId}.mp4?pid=videocreator`);
  });

  it('never returns a thumbnail URL: the wait ends in TIMEOUT instead', async () => {
    const client = clients.make({ videoDeadlineMs: 900 });
    const error = await failure(
      client.createVideo({ prompt: 'waves [sim:video-thumb] [sim:ms=0]', aspect: 'LANDSCAPE' }),
    );
    expect(error.code).toBe('TIMEOUT');
    expect(sim.polls().length).toBeGreaterThan(1);
  });
});

describe('video failures', () => {
  it('an errorMessage other than Pending fails with its text', async () => {
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
  });

  it('a rejection after the run → PROMPT_REJECTED', async () => {
    const client = clients.make();
    const error = await failure(
      client.createVideo({ prompt: `waves [sim:video-rejected] ${SHORT}`, aspect: 'PORTRAIT' }),
    );
    expect(error.code).toBe('PROMPT_REJECTED');
  });

  it('5xx on the video poll is retried', async () => {
    const client = clients.make();
    const result = await client.createVideo({ prompt: 'waves [sim:poll5xx=2] [sim:ms=0]', aspect: 'PORTRAIT' });
    expect(result.url).toBe(videoUrl(sim.jobs.get(result.requestId)!, sim.url));
  });
});

describe('video resume', () => {
  it('a new client waits for a saved video request without submitting again', async () => {
    const request = { prompt: `waves ${SHORT}`, aspect: 'PORTRAIT' } as const;
    const first = clients.make();
    const submitted = await first.submitVideo(request);
    await first.destroy();
    const second = clients.make();
    const result = await second.waitForVideo(request, submitted);
    expect(sim.submits()).toHaveLength(1);
    expect(result.url).toBe(videoUrl(sim.jobs.get(submitted.requestId)!, sim.url));
  });
});
