import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.js';

/**
 * The GraphQL-over-HTTP audits of graphql-http. Every MUST passes; the SHOULDs and MAYs that do not are
 * named here, with why, so a change in them is seen.
 */
const KNOWN_SHOULD_FAILURES: Record<string, string> = {};

describe('GraphQL over HTTP audit', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  const audits = serverAudits({ url: () => `${stack.url}/graphql`, fetchFn: fetch });

  for (const audit of audits) {
    it(`${audit.id} ${audit.name}`, async () => {
      const result = await audit.fn();
      if (audit.name.startsWith('MUST')) {
        expect(result.status, result.status === 'error' ? result.reason : '').toBe('ok');
      } else if (result.status !== 'ok') {
        expect(KNOWN_SHOULD_FAILURES[audit.id], `${audit.name}: ${result.reason}`).toBeDefined();
      }
    });
  }
});
