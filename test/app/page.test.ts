import type { Browser, Page, WebSocket } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { artifact, launchChromium, noChromium } from '../support/chromium.js';
import { gql, startStack, type Stack } from '../support/stack.js';

const KEY = 'page-test-key-0123456789';
const OTHER_KEY = 'page-test-other-key-9876543210';

interface Opened {
  page: Page;
  /** Requests that failed at the network level, and requests to any origin but the server's and the simulator's. */
  failed: string[];
  foreign: string[];
  sockets: WebSocket[];
  /** Every text frame the page received over its WebSockets. */
  frames: string[];
}

/** The page at /app in a fresh browser context (its own localStorage), with the API key entered in its box. */
async function open(browser: Browser, stack: Stack, key: string | null = KEY): Promise<Opened> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const opened: Opened = { page, failed: [], foreign: [], sockets: [], frames: [] };
  page.on('requestfailed', (request) => opened.failed.push(`${request.url()} ${request.failure()?.errorText}`));
  page.on('request', (request) => {
    const url = request.url();
    const origin = url.startsWith('http') ? new URL(url).origin : null;
    if (origin && origin !== stack.url && origin !== stack.sim.url) opened.foreign.push(url);
  });
  page.on('websocket', (socket) => {
    opened.sockets.push(socket);
    socket.on('framereceived', ({ payload }) => opened.frames.push(String(payload)));
  });
  await page.goto(`${stack.url}/app`, { waitUntil: 'load' });
  if (key !== null) {
    await page.fill('#api-key', key);
    await page.click('#key-form button[type="submit"]');
    await expect.poll(() => page.textContent('#key-state')).toContain('A key is saved');
  }
  return opened;
}

async function close({ page }: Opened): Promise<void> {
  await page.context().close();
}

describe.skipIf(noChromium)('the page at /app, in a real browser', () => {
  let stack: Stack;
  let browser: Browser;

  beforeAll(async () => {
    stack = await startStack({ env: { API_KEYS: `${KEY},${OTHER_KEY}` } });
    browser = await launchChromium();
  }, 60_000);
  beforeEach(() => {
    // Images on the simulator's own origin, served as real PNGs the browser can load.
    stack.sim.setScenario({ urls: 'origin' });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('asks for an API key in words, keeps the one entered in localStorage, and sends it', async () => {
    const opened = await open(browser, stack, null);
    const { page } = opened;
    await expect.poll(() => page.textContent('#notice'), { timeout: 20_000 }).toContain('An API key is required');
    expect(await page.textContent('#notice')).toContain('Enter a valid API key above.');

    await page.fill('#api-key', 'not-the-key-at-all');
    await page.click('#key-form button[type="submit"]');
    await expect.poll(() => page.textContent('#notice'), { timeout: 20_000 }).toContain('The API key is not valid.');

    await page.fill('#api-key', KEY);
    await page.click('#key-form button[type="submit"]');
    await expect.poll(() => page.textContent('#notice'), { timeout: 20_000 }).toBe('');
    expect(await page.evaluate(() => localStorage.getItem('bing-image-creator.api-key'))).toBe(KEY);
    // Saved, the key is not shown back in the box.
    expect(await page.inputValue('#api-key')).toBe('');

    // A reload finds the key in localStorage: the gallery loads without asking again.
    await page.reload({ waitUntil: 'load' });
    await expect.poll(() => page.textContent('#key-state')).toContain('A key is saved');
    await expect.poll(() => page.isVisible('#empty'), { timeout: 20_000 }).toBe(true);
    expect(await page.textContent('#notice')).toBe('');
    await page.screenshot({ path: await artifact('app-key.png'), fullPage: true });
    expect(opened.failed).toEqual([]);
    expect(opened.foreign).toEqual([]);
    await close(opened);
  }, 60_000);

  it('creates an image and shows it: every picture loaded', async () => {
    const opened = await open(browser, stack);
    const { page } = opened;
    await page.fill('#prompt', 'a lighthouse at dawn');
    await page.selectOption('#model', 'DALLE');
    await page.selectOption('#aspect', 'LANDSCAPE');
    await page.click('#create-image');
    const card = page.locator('article.task[data-kind="IMAGE"][data-status="COMPLETED"]');
    await card.waitFor({ timeout: 30_000 });
    const images = card.locator('img');
    await expect.poll(() => images.count()).toBe(4);
    await expect
      .poll(
        () =>
          images.evaluateAll((nodes) =>
            (nodes as HTMLImageElement[]).every((img) => img.complete && img.naturalWidth > 0),
          ),
        { timeout: 20_000 },
      )
      .toBe(true);
    const sources = await images.evaluateAll((nodes) => (nodes as HTMLImageElement[]).map((img) => img.src));
    expect(sources.every((src) => src.startsWith(`${stack.sim.url}/th/id/OIG1.`))).toBe(true);
    expect(await card.locator('.meta').textContent()).toContain('DALL-E 3 · Landscape');
    expect(await card.locator('.prompt').textContent()).toContain('a lighthouse at dawn');
    expect(await page.textContent('#notice')).toBe('The images are ready.');
    // The pending card made way for the task's own.
    expect(await page.locator('article.task.pending').count()).toBe(0);
    // One page of tasks holds them all: no "More".
    expect(await page.isVisible('#more')).toBe(false);
    await page.screenshot({ path: await artifact('app-image.png'), fullPage: true });
    expect(opened.failed).toEqual([]);
    expect(opened.foreign).toEqual([]);
    await close(opened);
  }, 60_000);

  it('starts a video, shows its progress live over graphql-ws, then plays it', async () => {
    const opened = await open(browser, stack);
    const { page } = opened;
    // Five seconds of Bing's work, whatever the time scale: long enough to see the progress.
    await page.fill('#prompt', 'waves rolling onto a beach [sim:ms=5000]');
    await page.selectOption('#video-aspect', 'LANDSCAPE');
    await page.selectOption('#mode', 'FAST');
    await page.click('#create-video');

    const card = page.locator('article.task[data-kind="VIDEO"]');
    await card.waitFor({ timeout: 30_000 });
    const progress = card.locator('.progress');
    await expect.poll(() => progress.isVisible(), { timeout: 20_000 }).toBe(true);
    await expect.poll(() => progress.textContent()).toMatch(/Bing is making the video \(fast mode\) · \d+ s/);
    await page.screenshot({ path: await artifact('app-video-progress.png'), fullPage: true });

    await expect.poll(() => card.getAttribute('data-status'), { timeout: 40_000 }).toBe('COMPLETED');
    expect(await progress.isVisible()).toBe(false);
    const video = card.locator('video');
    await expect
      .poll(
        () =>
          video.evaluate((node) => {
            const v = node as HTMLVideoElement;
            return v.readyState >= 2 && v.played.length > 0 && v.currentTime > 0;
          }),
        { timeout: 20_000 },
      )
      .toBe(true);
    expect(await video.evaluate((node) => (node as HTMLVideoElement).videoWidth)).toBeGreaterThan(0);
    expect(await card.locator('.meta').textContent()).toContain('fast mode');
    await page.screenshot({ path: await artifact('app-video-playing.png'), fullPage: true });

    // The progress came over the page's WebSocket, on /graphql, with the graphql-ws protocol.
    const socket = opened.sockets.find((s) => s.url().endsWith('/graphql'));
    expect(socket).toBeDefined();
    const updates = opened.frames.filter((frame) => frame.includes('"videoTaskUpdated"'));
    expect(updates.some((frame) => frame.includes('"PROCESSING"') || frame.includes('"QUEUED"'))).toBe(true);
    expect(updates.some((frame) => frame.includes('"COMPLETED"'))).toBe(true);
    expect(opened.failed).toEqual([]);
    expect(opened.foreign).toEqual([]);
    await close(opened);
  }, 90_000);

  it('shows the error of a blocked prompt in words, on the page and on its card', async () => {
    const opened = await open(browser, stack);
    const { page } = opened;
    await page.fill('#prompt', 'something Bing will not draw [sim:blocked]');
    await page.click('#create-image');
    await expect.poll(() => page.textContent('#notice'), { timeout: 30_000 }).toMatch(/blocked/i);
    expect(await page.locator('#notice').evaluate((node) => node.classList.contains('problem'))).toBe(true);

    const card = page.locator('article.task[data-status="FAILED"]', { hasText: 'something Bing will not draw' });
    await card.waitFor({ timeout: 20_000 });
    const error = (await card.locator('.error').textContent()) ?? '';
    // A sentence, not a code.
    expect(error).toMatch(/^Bing .*blocked.*\./i);
    expect(error).not.toContain('PROMPT_REJECTED');
    expect(error).toBe(await page.textContent('#notice'));
    expect(await card.locator('img').count()).toBe(0);
    await page.screenshot({ path: await artifact('app-blocked.png'), fullPage: true });
    await close(opened);
  }, 60_000);

  it('shows a video that Bing refuses after accepting it as failed, with its error, live', async () => {
    const opened = await open(browser, stack);
    const { page } = opened;
    await page.fill('#prompt', 'a video refused later [sim:video-rejected] [sim:ms=500]');
    await page.click('#create-video');
    const card = page.locator('article.task[data-kind="VIDEO"]', { hasText: 'a video refused later' });
    await card.waitFor({ timeout: 30_000 });
    await expect.poll(() => card.getAttribute('data-status'), { timeout: 40_000 }).toBe('FAILED');
    const error = (await card.locator('.error').textContent()) ?? '';
    expect(error.length).toBeGreaterThan(20);
    expect(error).not.toMatch(/^[A-Z_]+$/);
    expect(await card.locator('video').count()).toBe(0);
    expect(await card.locator('.progress').isVisible()).toBe(false);
    await close(opened);
  }, 90_000);

  it("lists the caller's tasks made before, newest first, and no other key's", async () => {
    const made = await gql(
      stack.url,
      'mutation { createImage(input: { query: "made before the page opened" }) { __typename } }',
      {},
      { authorization: `Bearer ${KEY}` },
    );
    expect(made.data).toEqual({ createImage: { __typename: 'ImageGeneration' } });
    const opened = await open(browser, stack);
    const { page } = opened;
    const cards = page.locator('article.task');
    await expect.poll(() => cards.count(), { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
    const created = await cards.evaluateAll((nodes) => nodes.map((node) => (node as HTMLElement).dataset['id'] ?? ''));
    const res = await fetch(`${stack.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ query: '{ tasks(first: 24) { edges { node { id } } } }' }),
    });
    const body = (await res.json()) as { data: { tasks: { edges: Array<{ node: { id: string } }> } } };
    expect(created).toEqual(body.data.tasks.edges.map((edge) => edge.node.id));
    await close(opened);

    // Another key's gallery holds none of them.
    const other = await open(browser, stack, OTHER_KEY);
    await expect.poll(() => other.page.isVisible('#empty'), { timeout: 20_000 }).toBe(true);
    expect(await other.page.locator('article.task').count()).toBe(0);
    await close(other);
  }, 60_000);

  it('pages through more tasks than one page holds with "More"', async () => {
    const headers = { authorization: `Bearer ${KEY}` };
    const count = async () =>
      (await gql<{ tasks: { edges: unknown[] } }>(stack.url, '{ tasks(first: 100) { edges { cursor } } }', {}, headers))
        .data!.tasks.edges.length;
    const missing = Math.max(0, 26 - (await count()));
    await Promise.all(
      Array.from({ length: missing }, (_, i) =>
        gql(
          stack.url,
          'mutation($q: String!) { createImage(input: { query: $q }) { __typename } }',
          { q: `filler ${i}` },
          headers,
        ),
      ),
    );
    const total = await count();
    expect(total).toBeGreaterThan(24);

    const opened = await open(browser, stack);
    const { page } = opened;
    const cards = page.locator('article.task');
    await expect.poll(() => cards.count(), { timeout: 20_000 }).toBe(24);
    expect(await page.isVisible('#more')).toBe(true);
    await page.click('#more');
    await expect.poll(() => cards.count(), { timeout: 20_000 }).toBe(total);
    expect(await page.isVisible('#more')).toBe(false);
    const ids = await cards.evaluateAll((nodes) => nodes.map((node) => (node as HTMLElement).dataset['id']));
    expect(new Set(ids).size).toBe(total);
    await close(opened);
  }, 60_000);
});
