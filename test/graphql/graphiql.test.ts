import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, noChromium } from '../support/chromium.js';
import { startStack, type Stack } from '../support/stack.js';

describe.skipIf(noChromium)('GraphiQL in a real browser', () => {
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

  it('loads /graphql, runs { options { models { id } } } and shows the result', async () => {
    const page = await browser.newPage();
    const failed: string[] = [];
    page.on('requestfailed', (request) => failed.push(request.url()));
    const query = '{ options { models { id } } }';
    await page.goto(`${stack.url}/graphql?query=${encodeURIComponent(query)}`, { waitUntil: 'load' });
    await page.waitForSelector('.graphiql-execute-button', { timeout: 30_000 });
    await page.click('.graphiql-execute-button');
    const result = page.locator('.graphiql-response');
    await expect.poll(async () => result.textContent(), { timeout: 20_000 }).toContain('GPT4O');
    const text = (await result.textContent()) ?? '';
    expect(text).toContain('DALLE');
    expect(text).toContain('MAI1');
    expect(failed.filter((url) => url.startsWith('http'))).toEqual([]);
    await page.close();
  }, 60_000);
});
