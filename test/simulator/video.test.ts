import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { unescapeVideoUrl } from '../../src/bing/media.js';
import { startSimulator, videoUrl, type Simulator } from '../../src/simulator/index.js';
import { call, markersIn, pollVideo, pollVideoFallback, sleep, submitVideo } from './http.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

/** The client's own unescaping: `\/`, `\u0026` and entities in one pass, so `\u0026amp;` stays `&amp;`. */
function unescapeOurl(body: string): string {
  return unescapeVideoUrl(/ourl="([^"]*)"/.exec(body)![1]!);
}

describe('video submit', () => {
  it('accepts the generator and the create form', async () => {
    const dedicated = await submitVideo(sim.url, 'waves', 'generator');
    const legacy = await submitVideo(sim.url, 'waves', 'create');
    for (const r of [dedicated, legacy]) {
      expect(r.status).toBe(302);
      expect(r.location).toMatch(/&id=4-[0-9a-f]{32}&ctype=video$/);
      expect(sim.jobs.get(r.id!)!.kind).toBe('VIDEO');
    }
    expect(sim.jobs.get(dedicated.id!)!.aspect).toBe(4);
    const durations = [...sim.jobs.values()].map((j) => j.readyAt - j.submittedAt);
    for (const d of durations) expect(d).toBeGreaterThanOrEqual(60_000);
    expect(sim.submits().map((r) => r.path)).toEqual(['/images/create/ai-video-generator', '/images/create']);
  });

  it('[sim:no-dedicated] answers 404 on the dedicated endpoint only', async () => {
    expect((await submitVideo(sim.url, 'waves [sim:no-dedicated]', 'generator')).status).toBe(404);
    expect((await submitVideo(sim.url, 'waves [sim:no-dedicated]', 'create')).status).toBe(302);
  });

  it('rejects with the same markers as images', async () => {
    const r = await submitVideo(sim.url, 'waves [sim:blocked]');
    expect(r.status).toBe(200);
    expect(markersIn(r.text)).toEqual(['this prompt has been blocked']);
  });
});

describe('video poll', () => {
  it('is pending with varied spellings, then answers showContent', async () => {
    const { id } = await submitVideo(sim.url, 'waves [sim:ms=200]');
    const spellings = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const r = await pollVideo(sim.url, id!, 'waves');
      const message = (JSON.parse(r.text) as { errorMessage: string }).errorMessage;
      expect(message.trim().toLowerCase()).toMatch(/^(still )?pending$/);
      spellings.add(message);
    }
    expect(spellings.size).toBe(3);
    const job = sim.jobs.get(id!)!;
    await sleep(job.readyAt - Date.now() + 20);
    const done = JSON.parse((await pollVideo(sim.url, id!, 'waves')).text) as { showContent: string };
    expect(done.showContent).toBe(`${sim.url}/videos/${id}.mp4?pid=videocreator`);
    expect(done.showContent).toBe(videoUrl(job, sim.url));
    expect(job.firstSeenDoneAt).not.toBeNull();
  });

  it('[sim:video=ourl] escapes the URL with \\/, \\u0026 and one \\u0026amp;', async () => {
    const { id } = await submitVideo(sim.url, 'waves [sim:ms=0] [sim:video=ourl]');
    const r = await pollVideo(sim.url, id!, 'waves');
    expect(r.text).toContain('ourl="');
    expect(r.text).toContain('\\/videos\\/');
    expect(r.text).toContain('\\u0026amp;');
    expect(r.text).toMatch(/\\u0026(?!amp;)/);
    const url = new URL(unescapeOurl(r.text));
    expect(url.origin + url.pathname).toBe(`${sim.url}/videos/${id}.mp4`);
    expect(url.searchParams.get('pid')).toBe('videocreator');
    expect(url.toString()).toBe(videoUrl(sim.jobs.get(id!)!, sim.url));
  });

  it('[sim:video=fallback] only gives the URL on the fallback page', async () => {
    const { id } = await submitVideo(sim.url, 'waves [sim:ms=100] [sim:video=fallback]');
    const early = await pollVideoFallback(sim.url, id!, 'waves');
    expect(early.status).toBe(200);
    expect(early.text).not.toContain('ourl=');
    await sleep(120);
    const results = await pollVideo(sim.url, id!, 'waves');
    expect(results.status).toBe(200);
    expect(results.text).not.toContain('ourl=');
    expect(results.text).not.toContain('showContent');
    expect(results.text).not.toContain('errorMessage');
    expect(sim.jobs.get(id!)!.firstSeenDoneAt).toBeNull();
    const page = await pollVideoFallback(sim.url, id!, 'waves');
    expect(new URL(unescapeOurl(page.text)).searchParams.get('pid')).toBe('videocreator');
    expect(sim.jobs.get(id!)!.firstSeenDoneAt).not.toBeNull();
    expect(sim.polls(id!)).toHaveLength(3);
    expect(sim.polls(id!).map((r) => r.path)).toEqual([
      '/images/create/ai-video-generator',
      `/images/create/ai-video-generator/async/results/${id}`,
      '/images/create/ai-video-generator',
    ]);
  });

  it('[sim:video-error=...] and [sim:video-rejected]', async () => {
    const failed = await submitVideo(sim.url, 'waves [sim:ms=0] [sim:video-error=Generation failed]');
    expect(JSON.parse((await pollVideo(sim.url, failed.id!, 'waves')).text)).toEqual({
      errorMessage: 'Generation failed',
    });
    const rejected = await submitVideo(sim.url, 'waves [sim:ms=0] [sim:video-rejected]');
    expect(markersIn((await pollVideo(sim.url, rejected.id!, 'waves')).text)).toEqual(['this prompt has been blocked']);
  });

  it('[sim:video-host=bing] and [sim:video-thumb] vary the URL', async () => {
    const bing = await submitVideo(sim.url, 'waves [sim:ms=0] [sim:video-host=bing]');
    const bingUrl = (JSON.parse((await pollVideo(sim.url, bing.id!, 'waves')).text) as { showContent: string })
      .showContent;
    expect(bingUrl).toBe(`https://th.bing.com/videos/${bing.id}.mp4?pid=videocreator`);
    const thumb = await submitVideo(sim.url, 'waves [sim:ms=0] [sim:video-thumb]');
    const thumbUrl = (JSON.parse((await pollVideo(sim.url, thumb.id!, 'waves')).text) as { showContent: string })
      .showContent;
    expect(new URL(thumbUrl).searchParams.get('w')).not.toBeNull();
  });

  it('poll faults apply to video polls too', async () => {
    const { id } = await submitVideo(sim.url, 'waves [sim:ms=0] [sim:poll5xx=1]');
    expect((await pollVideo(sim.url, id!, 'waves')).status).toBe(500);
    expect((await pollVideo(sim.url, id!, 'waves')).status).toBe(200);
  });
});

describe('media', () => {
  it('serves a real PNG under /th/id/ and an MP4 under /videos/, unrecorded', async () => {
    const png = await call(`${sim.url}/th/id/OIG1.abc?pid=ImgGn`, { cookie: null });
    expect(png.status).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    expect(png.body.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.body.subarray(12, 16).toString('ascii')).toBe('IHDR');
    const other = await call(`${sim.url}/th/id/OIG1.xyz?pid=ImgGn`, { cookie: null });
    expect(other.body.equals(png.body)).toBe(false);

    const mp4 = await call(`${sim.url}/videos/1-abc.mp4?pid=videocreator`, { cookie: null });
    expect(mp4.status).toBe(200);
    expect(mp4.headers['content-type']).toBe('video/mp4');
    expect(mp4.body.subarray(4, 8).toString('ascii')).toBe('ftyp');
    expect(mp4.body.includes(Buffer.from('moov'))).toBe(true);
    expect(mp4.body.includes(Buffer.from('mdat'))).toBe(true);
    expect(sim.requests).toEqual([]);
  });
});
