/**
 * The typed client examples: their documents are generated from the committed schema (a stale file fails
 * here, a drifted field fails tsc), and they run as written against a real server with the simulator.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { apolloExample } from '../../examples/apollo.js';
import { urqlExample } from '../../examples/urql.js';
import { GENERATED, generate } from '../../scripts/codegen.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.close();
});

it('examples/generated.ts is what npm run codegen makes of schema.graphql today', async () => {
  expect(readFileSync(GENERATED, 'utf8')).toBe(await generate());
});

it('the Apollo Client example reads the options and creates an image', async () => {
  const urls = await apolloExample(stack.url);
  expect(urls.length).toBeGreaterThan(0);
  for (const url of urls) expect(url).toMatch(/^https?:\/\//);
});

it('the urql example creates a video and follows it over graphql-ws to COMPLETED', async () => {
  const states = await urqlExample(stack.url, 'waves at dawn [sim:ms=300]');
  expect(states.at(-1)).toMatchObject({ status: 'COMPLETED', mode: 'FAST', video: expect.stringMatching(/^https?:/) });
});
