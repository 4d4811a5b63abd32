/** The simulator's video creator over real HTTP: modes, wire variants, warm-up and count pages, the upload, the detail call. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseFastCreationsLeft, parseVideoPage } from '../../src/bing/video-parse.js';
import { startSimulator, videoUrl, type Simulator } from '../../src/simulator/index.js';
import { call, COOKIE, pollVideo, submitVideo } from './http.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.reset();
  sim.configureVideo({ fastCreations: 2, fastCountForm: 'remaining', countOnWarmUp: false, upload: 'ok' });
});

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

async function post(
  path: string,
  query: Record<string, string>,
  body = 'q=waves',
): Promise<{ status: number; location?: string; text: string }> {
  const url = new URL(path, sim.url);
  url.search = new URLSearchParams(query).toString();
  const reply = await call(url, { method: 'POST', body });
  return { status: reply.status, location: reply.headers.location as string | undefined, text: reply.text };
}

describe("modes and the wrappers' variants", () => {
  it.each([
    [{ sm: '1', rt: '4', mdl: '0', ar: '4' }, 'VIDEO', 4],
    [{ sm: '0', pt: '3', ar: '5', ctype: 'video' }, 'VIDEO_STANDARD', 5],
    [{ rt: '3', mdl: '1', ar: '1' }, 'VIDEO_STANDARD', 1],
    [{ rt: '4', ar: '1' }, 'VIDEO', 1],
  ])('%o → %s', async (query, kind, ar) => {
    const r = await post('/images/create/ai-video-generator', { q: 'waves', ...query });
    expect(r.status).toBe(302);
    const id = new URL(r.location!, sim.url).searchParams.get('id')!;
    expect(id).toMatch(/^4-[0-9a-f]{32}$/);
    expect(sim.jobs.get(id)).toMatchObject({ kind, aspect: ar });
  });

  it('an unknown ar or mdl answers 400', async () => {
    expect((await post('/images/create/ai-video-generator', { q: 'waves', ar: '7' })).status).toBe(400);
    expect((await post('/images/create/ai-video-generator', { q: 'waves', mdl: '4' })).status).toBe(400);
  });

  it('standard jobs take their own durations, not the client prior', async () => {
    const r = await submitVideo(sim.url, 'waves', 'generator', { mode: 'STANDARD' });
    const job = sim.jobs.get(r.id!)!;
    expect(job.readyAt - job.submittedAt).toBeGreaterThanOrEqual(300_000);
  });
});

describe('fast creations', () => {
  it.each(['remaining', 'aria', 'text'] as const)(
    'are counted per cookie and shown on the count page (%s)',
    async (form) => {
      sim.configureVideo({ fastCreations: 2, fastCountForm: form });
      const count = async () =>
        parseFastCreationsLeft((await call(`${sim.url}/images/create?ctype=video&FORM=GENEXP&rt=4`)).text);
      expect(await count()).toBe(2);
      await submitVideo(sim.url, 'waves [sim:ms=0]');
      expect(await count()).toBe(1);
      expect(
        parseFastCreationsLeft(
          (await call(`${sim.url}/images/create?ctype=video&FORM=GENEXP&rt=4`, { cookie: 'other' })).text,
        ),
      ).toBe(2);
    },
  );

  it('run out: fast answers 200 without Location showing 0; standard is still accepted', async () => {
    sim.configureVideo({ fastCreations: 0 });
    const fast = await submitVideo(sim.url, 'waves');
    expect(fast.status).toBe(200);
    expect(fast.location).toBeUndefined();
    expect(parseFastCreationsLeft(fast.text)).toBe(0);
    expect((await submitVideo(sim.url, 'waves', 'generator', { mode: 'STANDARD' })).status).toBe(302);
  });
});

describe('warm-up, repeat-on-200, id in the body', () => {
  it('the warm-up page carries IG and IID (and sets _SS); [sim:need-ig] wants them back', async () => {
    const page = await call(`${sim.url}/images/create/ai-video-generator?FORM=GENEXP&ctype=video`);
    const { ig, iid } = parseVideoPage(page.text);
    expect(iid).toBe(sim.video.iid);
    expect(ig).toMatch(/^[0-9A-F]{32}$/);
    expect(String(page.headers['set-cookie'])).toContain(`_SS=SID=${sim.video.sid}`);
    expect((await submitVideo(sim.url, 'waves [sim:need-ig]')).status).toBe(200);
    expect((await submitVideo(sim.url, 'waves [sim:need-ig]', 'generator', { ig, iid })).status).toBe(302);
  });

  it('[sim:video-id-in-body] answers 200 with og:url', async () => {
    const r = await submitVideo(sim.url, 'waves [sim:video-id-in-body]');
    expect(r.status).toBe(200);
    const [job] = [...sim.jobs.values()];
    expect(r.text).toContain(`property="og:url"`);
    expect(r.text).toContain(job!.id);
  });
});

describe('the upload', () => {
  async function upload(fields: Record<string, string>, sid: string | null = sim.video.sid) {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    const response = await fetch(`${sim.url}/images/create/upload?&sid=${sid ?? ''}`, {
      method: 'POST',
      body: form,
      headers: { cookie: `_U=${COOKIE}` },
    });
    const text = await response.text();
    return {
      status: response.status,
      body: (text.startsWith('{') ? JSON.parse(text) : { text }) as Record<string, unknown>,
    };
  }

  it('takes the multipart field imageBase64 and answers a bcid; the submit must name an uploaded one', async () => {
    const ok = await upload({ imageBase64: PNG.toString('base64') });
    expect(ok.status).toBe(200);
    const bcid = ok.body['bcid'] as string;
    expect(sim.video.uploads.get(bcid)).toMatchObject({ type: 'image/png' });
    const ctxt = (id: string) => JSON.stringify([{ InputMediaList: [{ MediaSource: 1, MediaType: 0, MediaId: id }] }]);
    expect((await submitVideo(sim.url, 'waves', 'generator', { bcid })).status).toBe(302);
    expect((await post('/images/create/ai-video-generator', { q: 'waves', ctxt: ctxt('unknown') })).status).toBe(200);
  });

  it('refuses a missing field, another type, a wrong sid; and plays failures', async () => {
    expect((await upload({ image: PNG.toString('base64') })).status).toBe(400);
    expect((await upload({ imageBase64: Buffer.from('GIF89a').toString('base64') })).status).toBe(400);
    expect((await upload({ imageBase64: PNG.toString('base64') }, 'WRONG')).status).toBe(400);
    sim.configureVideo({ upload: 'error' });
    expect((await upload({ imageBase64: PNG.toString('base64') })).status).toBe(500);
  });
});

describe('finished shapes and the detail call', () => {
  it('[sim:video=value] and [sim:video=cards] with its detail call', async () => {
    const value = await submitVideo(sim.url, 'waves [sim:ms=0] [sim:video=value]');
    const body = JSON.parse((await pollVideo(sim.url, value.id!, 'waves')).text) as {
      value: Array<Record<string, unknown>>;
    };
    expect(body.value[0]).toMatchObject({
      contentUrl: videoUrl(sim.jobs.get(value.id!)!, sim.url),
      width: 720,
      height: 1280,
      encodingFormat: 'mp4',
      duration: 'PT8S',
    });

    const cards = await submitVideo(sim.url, 'waves [sim:ms=0] [sim:video=cards]');
    const page = (await pollVideo(sim.url, cards.id!, 'waves')).text;
    expect(page).toMatch(/view=detailv2[^"]*datatype=video/);
    const card = sim.video.extras.get(cards.id!)!.card;
    const detail = await call(
      `${sim.url}/images/create/detail/async/${cards.id}?imageId=${card.imageId}&ctype=video&skey=${card.skey}&datatype=video`,
    );
    expect((JSON.parse(detail.text) as { value: Array<{ contentUrl: string }> }).value[0]!.contentUrl).toBe(
      videoUrl(sim.jobs.get(cards.id!)!, sim.url),
    );
    const wrong = await call(
      `${sim.url}/images/create/detail/async/${cards.id}?imageId=nope&ctype=video&skey=${card.skey}&datatype=video`,
    );
    expect(JSON.parse(wrong.text)).toEqual({ value: [] });
  });

  it('both results paths answer a video job; [sim:no-generator-results] removes the generator one', async () => {
    const r = await submitVideo(sim.url, 'waves [sim:ms=0] [sim:no-generator-results]');
    expect((await pollVideo(sim.url, r.id!, 'waves', 'FAST', 'generator')).status).toBe(404);
    expect((await pollVideo(sim.url, r.id!, 'waves', 'FAST', 'create')).status).toBe(200);
  });
});

describe('control API', () => {
  it('POST /__sim/video configures the video creator; bad settings are 400', async () => {
    const set = (body: unknown) => fetch(`${sim.url}/__sim/video`, { method: 'POST', body: JSON.stringify(body) });
    expect((await set({ fastCreations: 0 })).status).toBe(200);
    expect((await submitVideo(sim.url, 'waves')).status).toBe(200);
    for (const bad of [{ fastCreations: -1 }, { fastCountForm: 'nope' }, { upload: 'maybe' }, [1]])
      expect((await set(bad)).status).toBe(400);
  });
});
