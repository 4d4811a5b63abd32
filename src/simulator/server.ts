/** The HTTP server: reads and records requests, routes them, writes answers, and shuts down cleanly. */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { CONTROL_PREFIX, control } from './control.js';
import type { SimJob } from './jobs.js';
import { pngFor, SAMPLE_MP4 } from './media.js';
import { notFoundPage } from './markup.js';
import {
  CREATE_PATH,
  RESULTS_PATTERN,
  VIDEO_PATH,
  poll,
  sessionPage,
  submit,
  type Answer,
  type Context,
} from './routes.js';
import { quotaAnswer } from './quota.js';
import { invalidScenarioOverride, type Scenario } from './scenario.js';
import { SimState, invalidConfiguration, type Configuration, type RecordedRequest } from './state.js';
import { DETAIL_PATTERN, VIDEO_RESULTS_PATTERN, VideoSim } from './video-routes.js';
import type { VideoConfiguration } from './video-scenario.js';

export interface SimulatorOptions extends Configuration {
  /** Default 0: a random free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default Math.random; drives the duration draws. */
  random?: () => number;
}

export interface Simulator {
  /** e.g. http://127.0.0.1:43121, no trailing slash. */
  url: string;
  /** Every Bing request (not control or media requests), in arrival order. */
  requests: RecordedRequest[];
  /** The paths of the media requests (`/th/id/...`, `/videos/...`), in arrival order. */
  mediaRequests: string[];
  jobs: Map<string, SimJob>;
  /** The generation submits (POSTs). */
  submits(): RecordedRequest[];
  /** Result polls and video fallback-page polls, of one job or of all. */
  polls(jobId?: string): RecordedRequest[];
  /** Clears requests, jobs and the scenario override (not the configuration). */
  reset(): void;
  /** The default scenario for the next submits; prompt directives still win. null clears it. */
  setScenario(s: Partial<Scenario> | null): void;
  configure(o: Configuration): void;
  /** The video creator's settings: fast creations per cookie, where the count shows, what the upload answers. */
  configureVideo(o: VideoConfiguration): void;
  /** The video creator's own state: uploads, per-job extras, the IID and SID it hands out. */
  video: VideoSim;
  /** Closes the server, every open socket and every timer. */
  close(): Promise<void>;
}

// Large enough for an image upload (a 4 MB image is about 5.5 MB of base64).
const MAX_BODY = 16 * 1024 * 1024;

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function cookiesOf(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) cookies[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return cookies;
}

function headersOf(req: IncomingMessage): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(null));
  });
}

function isPollPath(r: RecordedRequest, jobId?: string): boolean {
  if (r.method !== 'GET') return false;
  const results = RESULTS_PATTERN.exec(r.path);
  if (results) return jobId === undefined || safeDecode(results[1]!) === jobId;
  const video = VIDEO_RESULTS_PATTERN.exec(r.path) ?? DETAIL_PATTERN.exec(r.path);
  if (video) return jobId === undefined || safeDecode(video[1]!) === jobId;
  return r.path === VIDEO_PATH && r.query.id !== undefined && (jobId === undefined || r.query.id === jobId);
}

function safeDecode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

function media(method: string, path: string, state: SimState): Answer | null {
  if (method !== 'GET') return null;
  const isMedia =
    (path.startsWith('/th/id/') && path.length > '/th/id/'.length) ||
    (path.startsWith('/videos/') && path.length > '/videos/'.length);
  if (!isMedia) return null;
  state.mediaRequests.push(path);
  if (state.media === 'error' || state.media === 'missing') {
    const status = state.media === 'error' ? 500 : 404;
    return { status, headers: { 'content-type': 'text/plain', 'cache-control': 'no-store' }, body: `media ${status}` };
  }
  if (path.startsWith('/th/id/') && path.length > '/th/id/'.length) {
    return { status: 200, headers: { 'content-type': 'image/png', 'cache-control': 'no-store' }, body: pngFor(path) };
  }
  if (path.startsWith('/videos/') && path.length > '/videos/'.length) {
    return { status: 200, headers: { 'content-type': 'video/mp4', 'cache-control': 'no-store' }, body: SAMPLE_MP4 };
  }
  return null;
}

async function bing(
  ctx: Context,
  video: VideoSim,
  method: string,
  path: string,
  req: IncomingMessage,
): Promise<Answer> {
  const videoAnswer = await video.route(ctx, method, path, {
    cookie: req.headers.cookie,
    contentType: req.headers['content-type'],
  });
  if (videoAnswer) return videoAnswer;
  if (method === 'POST' && path === CREATE_PATH) return submit(ctx);
  if (method === 'GET' && path === CREATE_PATH) return sessionPage(ctx);
  const results = method === 'GET' ? RESULTS_PATTERN.exec(path) : null;
  const id = results ? safeDecode(results[1]!) : null;
  if (id !== null) return poll(ctx, id, 'results');
  return { status: 404, headers: { 'content-type': 'text/html; charset=utf-8' }, body: notFoundPage() };
}

/** The headers and the first half of the body; the rest never comes (close() destroys the socket). */
function stall(res: ServerResponse, answer: Exclude<Answer, 'drop'>): void {
  const body = typeof answer.body === 'string' ? Buffer.from(answer.body) : answer.body;
  res.writeHead(answer.status, { ...answer.headers, 'content-length': String(body.length) });
  res.write(body.subarray(0, Math.floor(body.length / 2)));
}

function write(res: ServerResponse, answer: Answer): void {
  if (answer === 'drop') {
    res.socket?.destroy();
    return;
  }
  const body = typeof answer.body === 'string' ? Buffer.from(answer.body) : answer.body;
  res.writeHead(answer.status, { ...answer.headers, 'content-length': String(body.length) });
  res.end(body);
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const state = new SimState(options.random ?? Math.random);
  const video = new VideoSim();
  const invalid = invalidConfiguration({
    timeScale: options.timeScale,
    durations: options.durations,
    profile: options.profile,
    validCookies: options.validCookies,
    boosts: options.boosts,
    boostForm: options.boostForm,
    sessionForm: options.sessionForm,
  });
  if (invalid) throw new TypeError(`Invalid simulator options: ${invalid}`);
  state.configure(options);

  const sockets = new Set<Socket>();
  let url = '';

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const method = (req.method ?? 'GET').toUpperCase() === 'HEAD' ? 'GET' : (req.method ?? 'GET').toUpperCase();
    const host = req.headers.host;
    const target = new URL(req.url ?? '/', url);
    const path = target.pathname;
    const isControl = path.startsWith(CONTROL_PREFIX);
    const mediaAnswer = media(method, path, state);

    const record: RecordedRequest | null =
      isControl || mediaAnswer
        ? null
        : {
            method: req.method ?? 'GET',
            path,
            query: Object.fromEntries(target.searchParams),
            headers: headersOf(req),
            body: '',
            at,
          };
    if (record) state.requests.push(record);

    const body = await readBody(req);
    if (body === null)
      return write(res, { status: 413, headers: { 'content-type': 'text/plain' }, body: 'Body too large' });
    if (record) record.body = body;
    if (mediaAnswer && state.media === 'stall' && mediaAnswer !== 'drop') return stall(res, mediaAnswer);
    if (mediaAnswer) return write(res, mediaAnswer);
    if (isControl) return write(res, control(state, video, method, path, body));

    const ctx: Context = {
      state,
      video,
      url: target,
      body,
      cookieValid: state.isValidCookie(cookieValue(req.headers.cookie, '_U')),
      cookies: cookiesOf(req.headers.cookie),
      origin: host && /^[\w.:[\]-]+$/.test(host) ? `http://${host}` : url,
    };
    const u = cookieValue(req.headers.cookie, '_U');
    const outOfQuota = ctx.cookieValid ? quotaAnswer(state, method, path, u) : null;
    write(res, outOfQuota ?? (await bing(ctx, video, method, path, req)));
  }

  const server = createServer((req, res) => {
    res.on('error', () => {});
    handle(req, res).catch(() => {
      if (!res.headersSent)
        write(res, { status: 500, headers: { 'content-type': 'text/plain' }, body: 'Simulator error' });
      else res.destroy();
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let closing: Promise<void> | null = null;
  return {
    url,
    requests: state.requests,
    mediaRequests: state.mediaRequests,
    jobs: state.jobs,
    submits: () =>
      state.requests.filter((r) => r.method === 'POST' && (r.path === CREATE_PATH || r.path === VIDEO_PATH)),
    polls: (jobId) => state.requests.filter((r) => isPollPath(r, jobId)),
    reset: () => {
      state.reset();
      video.reset();
    },
    video,
    configureVideo: (o) => video.configure(o),
    setScenario(s) {
      const invalidScenario = invalidScenarioOverride(s);
      if (invalidScenario) throw new TypeError(`Invalid scenario: ${invalidScenario}`);
      state.override = s === null ? null : { ...s };
    },
    configure(o) {
      const invalidConfig = invalidConfiguration(o);
      if (invalidConfig) throw new TypeError(`Invalid simulator configuration: ${invalidConfig}`);
      state.configure(o);
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        state.clearTimers();
        // The listening handle finishes closing one loop turn after 'close'; wait for it so nothing lingers.
        server.close(() => setImmediate(resolve));
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
