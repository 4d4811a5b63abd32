/**
 * The account pool over real HTTP: three simulated accounts from an accounts file, the real simulator, a
 * real webhook receiver. Expiry, quota, all cooling, hot reload, and a generation whose account expires
 * after Bing accepted it.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { gql, startStack, type Stack } from '../support/stack.js';
import { rest } from '../rest/http.js';
import {
  COOKIES,
  account,
  acceptedOn,
  accountsFile,
  jobsOf,
  labelOf,
  submitsOf,
  webhookReceiver,
  type Label,
  type Receiver,
} from './support.js';

let stack: Stack | undefined;
let receiver: Receiver | undefined;

afterEach(async () => {
  await stack?.close();
  await receiver?.close();
  stack = undefined;
  receiver = undefined;
});

async function start(env: Record<string, string>, labels: Label[] = ['a', 'b', 'c']) {
  receiver = await webhookReceiver();
  const accounts = accountsFile(labels.map((label) => account(label)));
  stack = await startStack({
    env: {
      BING_COOKIE_U: '',
      BING_ACCOUNTS_FILE: accounts.file,
      ACCOUNT_WEBHOOK_URL: receiver.url,
      ACCOUNTS_RELOAD_DEBOUNCE: '50ms',
      ...env,
    },
  });
  // The start-up session checks: each account has been seen signed in.
  await vi.waitFor(
    () => expect(stack!.sim.requests.filter((r) => r.method === 'GET').length).toBeGreaterThanOrEqual(labels.length),
    5_000,
  );
  return { stack, receiver, accounts };
}

const image = (url: string, query: string) => rest(url, '/create/image', { json: { query } });

async function accounts(url: string): Promise<Array<Record<string, any>>> {
  const answer = await rest(url, '/accounts');
  expect(answer.status).toBe(200);
  return answer.body.data.accounts;
}

const stateOf = async (url: string, label: string) => (await accounts(url)).find((a) => a.label === label)?.state;

describe('the account pool over real HTTP', () => {
  it('an account that expires mid-run: its next generation goes elsewhere, once, and the webhook hears of it', {
    timeout: 30_000,
  }, async () => {
    const { stack, receiver } = await start({});
    for (let i = 0; i < 6; i += 1) expect((await image(stack.url, `before${i} [sim:ms=20]`)).status).toBe(200);
    expect(new Set(Array.from({ length: 6 }, (_, i) => acceptedOn(stack.sim, `before${i}`)))).toEqual(
      new Set(['a', 'b', 'c']),
    );

    stack.sim.configure({ validCookies: [COOKIES.b, COOKIES.c] });
    for (let i = 0; i < 9; i += 1) {
      const answer = await image(stack.url, `after${i} [sim:ms=20]`);
      expect(answer.status, answer.text).toBe(200);
    }
    // Each generation made exactly one job, accepted on b or c; a was asked once, refused, and never again.
    for (let i = 0; i < 9; i += 1) {
      expect(jobsOf(stack.sim, `after${i} `)).toHaveLength(1);
      expect(['b', 'c']).toContain(acceptedOn(stack.sim, `after${i} `));
    }
    const onA = stack.sim.submits().filter((r) => (r.query.q ?? '').includes('after') && labelOf(r) === 'a');
    expect(onA.length).toBeGreaterThanOrEqual(1);
    expect(onA.length).toBeLessThanOrEqual(2); // the boosted submit and its rt=3 fallback, both refused
    expect(new Set(onA.map((r) => r.query.q))).toHaveProperty('size', 1);

    expect(await stateOf(stack.url, 'a')).toBe('expired');
    await vi.waitFor(() =>
      expect(receiver.changes).toContainEqual(
        expect.objectContaining({
          type: 'account.state',
          label: 'a',
          state: 'expired',
          previous: 'active',
          lastErrorCode: 'AUTH',
        }),
      ),
    );
    const warnings = stack.logs.filter((line) => line.includes('has expired'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]!)).toMatchObject({ level: 40, account: 'a' });
    const health = await gql<{
      health: { session: string; accountExpirations: number; accounts: Record<string, number> };
    }>(stack.url, '{ health { session accountExpirations accounts { active expired cooling disabled } } }');
    expect(health.data?.health).toEqual({
      session: 'ACTIVE',
      accountExpirations: 1,
      accounts: { active: 2, expired: 1, cooling: 0, disabled: 0 },
    });
    expect((await rest(stack.url, '/health')).body.data.session).toBe('active');
  });

  it('an account out of quota cools down, another serves, and after the cool-down it is tried again', {
    timeout: 30_000,
  }, async () => {
    const { stack, receiver } = await start({ ACCOUNT_COOLDOWN: '1500ms' });
    stack.sim.configure({ quotaCookies: [COOKIES.a] });
    for (let i = 0; i < 3; i += 1) {
      const answer = await image(stack.url, `quota${i} [sim:ms=20]`);
      expect(answer.status, answer.text).toBe(200);
      expect(['b', 'c']).toContain(acceptedOn(stack.sim, `quota${i} `));
      expect(jobsOf(stack.sim, `quota${i} `)).toHaveLength(1);
    }
    const a = (await accounts(stack.url)).find((entry) => entry.label === 'a')!;
    expect(a).toMatchObject({ state: 'cooling', lastErrorCode: 'RATE_LIMITED', failuresToday: 1 });
    expect(Date.parse(a.coolingUntil)).toBeGreaterThan(Date.now());
    // Cooling: not asked again, however many generations come.
    const refusedOnA = submitsOf(stack.sim, 'quota').filter((label) => label === 'a').length;
    for (let i = 0; i < 3; i += 1) expect((await image(stack.url, `still${i} [sim:ms=20]`)).status).toBe(200);
    expect(submitsOf(stack.sim, 'still').filter((label) => label === 'a')).toHaveLength(0);
    expect(refusedOnA).toBeGreaterThanOrEqual(1);

    stack.sim.configure({ quotaCookies: [] });
    await vi.waitFor(
      () =>
        expect(receiver.changes).toContainEqual(
          expect.objectContaining({ label: 'a', state: 'active', previous: 'cooling' }),
        ),
      { timeout: 5_000 },
    );
    for (let i = 0; i < 3; i += 1) expect((await image(stack.url, `again${i} [sim:ms=20]`)).status).toBe(200);
    expect(Array.from({ length: 3 }, (_, i) => acceptedOn(stack.sim, `again${i} `))).toContain('a');
    expect(receiver.changes).toContainEqual(
      expect.objectContaining({ label: 'a', state: 'cooling', previous: 'active', lastErrorCode: 'RATE_LIMITED' }),
    );
  });

  it('every account cooling: RATE_LIMITED with Retry-After, over REST and GraphQL, saying so', {
    timeout: 30_000,
  }, async () => {
    const { stack } = await start({ ACCOUNT_COOLDOWN: '30s' });
    stack.sim.configure({ quotaCookies: [COOKIES.a, COOKIES.b, COOKIES.c] });
    const first = await image(stack.url, 'spent [sim:ms=20]');
    expect(first.status).toBe(429);
    expect(new Set(submitsOf(stack.sim, 'spent'))).toEqual(new Set(['a', 'b', 'c']));
    expect(jobsOf(stack.sim, 'spent')).toHaveLength(0);

    const submits = stack.sim.submits().length;
    const second = await image(stack.url, 'later [sim:ms=20]');
    expect(second.status).toBe(429);
    expect(second.body.error.message).toMatch(/cooling/);
    const retryAfter = Number(second.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(30);
    const graphql = await gql<{ createImage: Record<string, unknown> }>(
      stack.url,
      'mutation { createImage(input: { query: "later still" }) { __typename ... on Error { code message } ... on RateLimitedError { retryAfterSeconds } } }',
    );
    expect(graphql.data?.createImage).toMatchObject({
      __typename: 'RateLimitedError',
      code: 'RATE_LIMITED',
      message: expect.stringMatching(/cooling/),
    });
    expect(graphql.data?.createImage.retryAfterSeconds).toBeGreaterThan(0);
    // Nothing reached Bing for the refused ones.
    expect(stack.sim.submits().length).toBe(submits);
  });

  it('no account signed in: AUTH, saying so', { timeout: 30_000 }, async () => {
    const { stack } = await start({});
    stack.sim.configure({ validCookies: [] });
    const first = await image(stack.url, 'nobody [sim:ms=20]');
    expect(first.status).toBe(401);
    const second = await image(stack.url, 'nobody again [sim:ms=20]');
    expect(second.status).toBe(401);
    expect(second.body.error.message).toMatch(/No Bing account is signed in: 3 signed out/);
    expect((await rest(stack.url, '/health')).body.data.session).toBe('expired');
  });

  it('hot reload adds and removes an account while generations run, and none of them fails', {
    timeout: 40_000,
  }, async () => {
    const { stack, accounts: file, receiver } = await start({});
    const running = Array.from({ length: 9 }, (_, i) => image(stack.url, `first${i} [sim:ms=1200]`));
    await vi.waitFor(() => expect(jobsOf(stack.sim, 'first')).toHaveLength(9), 10_000);
    const onA = Array.from({ length: 9 }, (_, i) => `first${i} `).filter((word) => acceptedOn(stack.sim, word) === 'a');
    expect(onA.length).toBeGreaterThan(0);

    // a goes, d comes: through the file on disk, then once more through an explicit reload (what SIGHUP does).
    file.write([account('b'), account('c'), account('d')]);
    await vi.waitFor(
      async () => expect((await accounts(stack.url)).map((entry) => entry.label)).toEqual(['b', 'c', 'd']),
      10_000,
    );
    await stack.app.reloadAccounts();
    const reloadedAt = Date.now();
    const more = Array.from({ length: 6 }, (_, i) => image(stack.url, `second${i} [sim:ms=100]`));
    const answers = await Promise.all([...running, ...more]);
    for (const answer of answers) expect(answer.status, answer.text).toBe(200);

    // What ran on a finished on a, polled with a's cookie after it was removed; nothing new went to a.
    for (const word of onA) {
      const [job] = jobsOf(stack.sim, word);
      const polls = stack.sim.polls(job!.id);
      expect(new Set(polls.map(labelOf))).toEqual(new Set(['a']));
      expect(polls.some((poll) => poll.at >= reloadedAt)).toBe(true);
      expect(submitsOf(stack.sim, word)).toEqual(['a']);
    }
    const second = Array.from({ length: 6 }, (_, i) => acceptedOn(stack.sim, `second${i} `));
    expect(second).not.toContain('a');
    expect(second).toContain('d');
    for (let i = 0; i < 6; i += 1) expect(jobsOf(stack.sim, `second${i} `)).toHaveLength(1);

    // A bad edit keeps the accounts as they are, and says why.
    file.write('[{"label": "b", "cookie": ""}]');
    await vi.waitFor(
      () => expect(stack.logs.some((line) => line.includes('the accounts file is not valid'))).toBe(true),
      10_000,
    );
    expect((await accounts(stack.url)).map((entry) => entry.label)).toEqual(['b', 'c', 'd']);
    expect(receiver.changes.filter((change) => change.state === 'expired')).toHaveLength(0);
  });

  it('a generation Bing accepted on an account that then expires ends on that account, never resubmitted', {
    timeout: 30_000,
  }, async () => {
    const { stack } = await start({ IMAGE_DEADLINE: '3s' });
    // Only a takes generations for a start.
    for (const label of ['b', 'c']) {
      const off = await gql(stack.url, `mutation { setAccountEnabled(label: "${label}", enabled: false) { state } }`);
      expect(off.data).toEqual({ setAccountEnabled: { state: 'DISABLED' } });
    }
    const pending = image(stack.url, 'stuck [sim:ms=2000]');
    await vi.waitFor(() => expect(jobsOf(stack.sim, 'stuck')).toHaveLength(1), 5_000);
    for (const label of ['b', 'c'])
      await gql(stack.url, `mutation { setAccountEnabled(label: "${label}", enabled: true) { state } }`);
    stack.sim.configure({ validCookies: [COOKIES.b, COOKIES.c] });

    const answer = await pending;
    // Bing now shows a's polls the signed-out page: the generation fails on a at its deadline, it is not moved.
    expect([200, 504, 401]).toContain(answer.status);
    expect(jobsOf(stack.sim, 'stuck')).toHaveLength(1);
    expect(submitsOf(stack.sim, 'stuck')).toEqual(['a']);
    const [job] = jobsOf(stack.sim, 'stuck');
    expect(new Set(stack.sim.polls(job!.id).map(labelOf))).toEqual(new Set(['a']));
    // The next generation goes to b or c.
    const next = await image(stack.url, 'fresh [sim:ms=20]');
    expect(next.status).toBe(200);
    expect(['b', 'c']).toContain(acceptedOn(stack.sim, 'fresh'));
  });

  it('a fast video with no fast creations left on one account goes to another, and cools none', {
    timeout: 30_000,
  }, async () => {
    const { stack } = await start({ ACCOUNT_COOLDOWN: '1m' }, ['a', 'b']);
    stack.sim.configureVideo({ fastCreations: 1 });
    const video = async (query: string, mode = 'fast') => {
      const answer = await rest(stack.url, '/create/video', { json: { query, mode } });
      return answer;
    };
    expect((await video('fast one [sim:ms=10]')).status).toBe(200);
    expect((await video('fast two [sim:ms=10]')).status).toBe(200);
    expect(new Set([acceptedOn(stack.sim, 'fast one'), acceptedOn(stack.sim, 'fast two')])).toEqual(
      new Set(['a', 'b']),
    );
    const third = await video('fast three [sim:ms=10]');
    expect(third.status).toBe(429);
    expect(third.body.error.message).toMatch(/[Ss]tandard/);
    expect(jobsOf(stack.sim, 'fast three')).toHaveLength(0);
    const states = await accounts(stack.url);
    expect(states.map((entry) => [entry.label, entry.state, entry.fastCreationsLeft])).toEqual([
      ['a', 'active', 0],
      ['b', 'active', 0],
    ]);
    expect((await video('slow one [sim:ms=10]', 'standard')).status).toBe(200);
    expect((await image(stack.url, 'still images [sim:ms=10]')).status).toBe(200);
  });

  it('no cookie value in any answer of the admin view or health, nor in any log line', {
    timeout: 30_000,
  }, async () => {
    const { stack } = await start({});
    stack.sim.configure({ quotaCookies: [COOKIES.a], validCookies: [COOKIES.a, COOKIES.c] });
    for (let i = 0; i < 4; i += 1) await image(stack.url, `mixed${i} [sim:ms=20]`);
    const answers = [
      (await rest(stack.url, '/accounts')).text,
      (await rest(stack.url, '/health')).text,
      JSON.stringify(
        await gql(
          stack.url,
          '{ accounts { label state lastErrorCode coolingUntil } health { accounts { active expired cooling } } }',
        ),
      ),
    ];
    for (const text of [...answers, ...stack.logs]) {
      for (const cookie of Object.values(COOKIES)) expect(text).not.toContain(cookie);
    }
  });
});
