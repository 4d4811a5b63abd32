/** GraphiQL opens with the example operations, and each of them runs as written against the simulator. */
import { createClient } from 'graphql-ws';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { GRAPHIQL_EXAMPLES } from '../../src/graphiql-examples.js';
import { artifact, launchChromium, noChromium } from '../support/chromium.js';
import { startStack, type Stack } from '../support/stack.js';

interface Answer {
  data?: Record<string, any>;
  errors?: Array<{ message: string }>;
}

async function run(stack: Stack, operationName: string): Promise<Answer> {
  const response = await fetch(`${stack.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query: GRAPHIQL_EXAMPLES, operationName }),
  });
  return (await response.json()) as Answer;
}

describe("GraphiQL's example operations", () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('are the document of the GraphiQL page', async () => {
    const response = await fetch(`${stack.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.headers.get('content-type')).toContain('text/html');
    const html = await response.text();
    expect(html).toContain(JSON.stringify(GRAPHIQL_EXAMPLES).slice(1, -1));
  });

  it('run as written: Options, CreateImage, CreateVideo, then VideoProgress until the video is there', async () => {
    const options = await run(stack, 'Options');
    expect(options.errors).toBeUndefined();
    expect(options.data?.['options'].models.map((m: { id: string }) => m.id)).toEqual(['DALLE', 'GPT4O', 'MAI1']);

    const image = await run(stack, 'CreateImage');
    expect(image.errors).toBeUndefined();
    expect(image.data?.['createImage'].__typename).toBe('ImageGeneration');
    expect(image.data?.['createImage'].images.length).toBeGreaterThan(0);

    const video = await run(stack, 'CreateVideo');
    expect(video.errors).toBeUndefined();
    expect(video.data?.['createVideo'].__typename).toBe('VideoTask');
    const id = video.data?.['createVideo'].id as string;

    const client = createClient({
      url: `${stack.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    try {
      const statuses: string[] = [];
      let last: Record<string, unknown> | undefined;
      const updates = client.iterate<{ videoTaskUpdated: Record<string, unknown> }>({
        query: GRAPHIQL_EXAMPLES,
        operationName: 'VideoProgress',
        variables: { id },
      });
      for await (const update of updates) {
        expect(update.errors).toBeUndefined();
        last = update.data?.videoTaskUpdated;
        statuses.push(String(last?.['status']));
      }
      expect(statuses.at(-1)).toBe('COMPLETED');
      expect(last?.['video']).toMatch(/^https?:\/\//);
    } finally {
      await client.dispose();
    }

    const tasks = await run(stack, 'Tasks');
    expect(tasks.errors).toBeUndefined();
    expect(tasks.data?.['tasks'].edges.map((edge: { node: { __typename: string } }) => edge.node.__typename)).toEqual([
      'VideoTask',
      'ImageTask',
    ]);
  }, 60_000);
});

describe.skipIf(noChromium)("GraphiQL's example operations in a real browser", () => {
  let stack: Stack;
  let browser: Browser;
  beforeAll(async () => {
    stack = await startStack();
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('GraphiQL opens with them in its editor, not the generic welcome text', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 2400 } });
    const page = await context.newPage();
    await page.goto(`${stack.url}/graphql`, { waitUntil: 'load' });
    await page.waitForSelector('.graphiql-execute-button', { timeout: 30_000 });
    const editor = page.locator('.graphiql-query-editor');
    await expect
      .poll(async () => ((await editor.textContent()) ?? '').replace(/\s+/g, ' '), { timeout: 20_000 })
      .toContain('query Options');
    const text = ((await editor.textContent()) ?? '').replace(/\s+/g, ' ');
    for (const operation of [
      'query Options',
      'mutation CreateImage',
      'mutation CreateVideo',
      'subscription VideoProgress($id: ID!)',
    ])
      expect(text).toContain(operation);
    expect(text).not.toContain('Welcome to GraphiQL');
    await page.screenshot({ path: await artifact('graphiql-examples.png') });
    await context.close();
  }, 60_000);
});
