/**
 * The boosts per account in health, over REST and GraphQL: unknown before any page showed them, then the
 * balance, spent by fast submits down to none, after which the slow queue takes every generation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectSuccess, rest } from '../rest/http.js';
import { gql, startStack, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ sim: { timeScale: 0.01, boosts: 2, boostForm: 'reward_c' } });
});
afterAll(() => stack.close());

const HEALTH = '{ health { status cookieSet session videoAccounts { account } boosts { account known remaining } } }';

async function restBoosts(): Promise<Array<{ account: string; known: boolean; remaining: number | null }>> {
  return expectSuccess(await rest(stack.url, '/health')).boosts;
}

describe('boosts in health', () => {
  it('are shown per account, and run out as fast submits spend them', async () => {
    await expect
      .poll(restBoosts, { timeout: 10_000 })
      .toEqual([{ account: expect.stringMatching(/^[0-9a-f]{12}$/), known: true, remaining: 2 }]);
    for (let i = 0; i < 3; i += 1) {
      const answer = await rest(stack.url, '/create/image', { json: { query: `a hare ${i} [sim:ms=10]` } });
      expect(answer.status).toBe(200);
    }
    expect(await restBoosts()).toEqual([expect.objectContaining({ known: true, remaining: 0 })]);
    const health = await gql<{ health: Record<string, unknown> & { boosts: unknown[]; videoAccounts: unknown[] } }>(
      stack.url,
      HEALTH,
    );
    expect(health.errors).toBeUndefined();
    expect(health.data?.health).toMatchObject({ status: 'ok', cookieSet: true, session: 'ACTIVE' });
    expect(health.data?.health.boosts).toEqual([
      { account: (await restBoosts())[0]!.account, known: true, remaining: 0 },
    ]);
    // Two fast submits while boosts lasted, then the slow queue at once: one accepted submit each.
    const submits = stack.sim.submits().map((submit) => submit.query.rt);
    expect(submits).toEqual(['4', '4', '3']);
    expect(stack.sim.jobs.size).toBe(3);
  });
});
