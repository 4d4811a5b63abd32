/**
 * The video client against a Bing stand-in written here by hand, not by the simulator: other IG and IID
 * forms, a 200 with the id in `og:url` after the repeat, `Still pending` next to a showContent, a bare
 * status, single-quoted cards in another case, a detail answer with numeric strings and another duration
 * form, and an answer nobody has seen (which must end in a named error before the deadline).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BingClient } from '../../src/bing/client.js';
import { LearnedSchedule } from '../../src/bing/schedule.js';
import { failure } from './harness.js';

const IG = 'C0FFEE00C0FFEE00C0FFEE00C0FFEE00';
const IID = 'SERP.5123';
const ID = `4-${'ab'.repeat(16)}`;

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
}

let server: Server;
let origin: string;
let seen: Seen[] = [];
let polls = 0;
let pollAnswers: Array<(res: ServerResponse) => void> = [];

function page(res: ServerResponse, body: string, status = 200): void {
  res.writeHead(status, { 'content-type': 'text/html' }).end(`<html><body>${body}</body></html>`);
}

/** The stand-in's answer to one request, written to `res`. */
function answer(req: IncomingMessage, res: ServerResponse, url: URL): void {
  const p = url.pathname;
  const q = url.searchParams;
  if (req.method === 'GET' && p === '/images/create' && !q.has('ctype')) {
    page(res, `<span id="id_a" style="display:none"></span><script>_G.IG="${IG}";</script>`);
  } else if (req.method === 'GET' && p === '/images/create/ai-video-generator' && !q.has('id')) {
    page(res, `<script>var cfg={"IID":"${IID}"};</script><a href="/x?IG=${IG}">x</a><span>2 free creations</span>`);
  } else if (req.method === 'GET' && p === '/images/create' && q.get('ctype') === 'video') {
    page(res, '<span>2 free creations</span>');
  } else if (req.method === 'POST' && p === '/images/create/ai-video-generator') {
    // Only the repeat, with the warm-up's IG and IID, is taken; and it is answered with a 200, the id in og:url.
    if (q.get('IG') !== IG || q.get('IID') !== IID) page(res, '<div>Video Creator</div>');
    else
      page(
        res,
        `<meta content="https://www.bing.com/images/create/ai-video-generator?id=${ID}&amp;FORM=GUH2CR" property="og:url" />`,
      );
  } else if (req.method === 'GET' && p === `/images/create/ai-video-generator/async/results/${ID}`) {
    const next = pollAnswers[Math.min(polls, pollAnswers.length - 1)];
    polls += 1;
    next!(res);
  } else if (req.method === 'GET' && p === `/images/create/detail/async/${ID}`) {
    if (q.get('imageId') !== 'vid_77' || q.get('skey') !== 'S-1') res.writeHead(400).end('{}');
    else {
      const value = [
        {
          contentUrl: 'https://th.bing.com/vids/4-ab.mp4?mkt=en-GB',
          width: '1080',
          height: '1920',
          duration: '0:00:08',
        },
      ];
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ value }));
    }
  } else {
    page(res, 'not found', 404);
  }
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', origin);
  seen.push({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams });
  req.resume();
  answer(req, res, url);
}

const json = (body: unknown) => (res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  seen = [];
  polls = 0;
});

const clients: BingClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.destroy()));
});

function client(videoDeadlineMs = 5_000): BingClient {
  const made = BingClient.withDefaults({
    origin,
    cookies: ['standin'],
    schedule: new LearnedSchedule({ timeScale: 0.001 }),
    retryBaseMs: 5,
    retryMaxMs: 20,
    requestTimeoutMs: 2_000,
    videoDeadlineMs,
  });
  clients.push(made);
  return made;
}

describe('a Bing stand-in the simulator did not write', () => {
  it('warm-up IG/IID in other forms, the repeat, og:url, pending forms, cards in another case, the detail call', async () => {
    pollAnswers = [
      json({ errorMessage: 'Still pending', showContent: '<div class="preview"></div>' }),
      json({ status: 'Processing' }),
      (res) =>
        page(
          res,
          `<div class='vcard'><a class='lnk' href='/images/create/detail?VIEW=detailV2&amp;id=${ID}&amp;imgid=vid_77&amp;skey=S-1&amp;datatype=video&amp;form=x'>Open</a></div>`,
        ),
    ];
    const bing = client();
    const result = await bing.createVideo({ prompt: 'waves', aspect: 'PORTRAIT' });
    expect(result).toMatchObject({
      requestId: ID,
      mode: 'FAST',
      url: 'https://th.bing.com/vids/4-ab.mp4?mkt=en-GB',
      width: 1080,
      height: 1920,
      durationSeconds: 8,
    });
    const posts = seen.filter((r) => r.method === 'POST');
    expect(posts).toHaveLength(2);
    expect(posts[1]!.query.get('IG')).toBe(IG);
    expect(polls).toBe(3);
    expect(bing.fastCreationsLeft()[0]!.fastCreationsLeft).toBe(1);
  });

  it('an answer nobody has seen ends in a named error before the deadline, not a silent wait', async () => {
    pollAnswers = [(res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('OK 7f3a')];
    const started = Date.now();
    const error = await failure(client(3_000).createVideo({ prompt: 'waves', aspect: 'PORTRAIT' }));
    expect(error.code).toBe('UPSTREAM');
    expect(error.message).toMatch(/cannot read/);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
