/** The account pool's domain: the choice, the state machine, the accounts file, and the pool in process. */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { fingerprint, freshRecord } from '../../src/accounts/account.js';
import { type Candidate, choose } from '../../src/accounts/choice.js';
import { AccountsFileError, environmentAccounts, parseAccounts } from '../../src/accounts/file.js';
import { AccountPool, PoolRefusal } from '../../src/accounts/pool.js';
import * as machine from '../../src/accounts/state.js';
import { MemoryTaskStore } from '../../src/tasks/memory-store.js';

const candidate = (over: Partial<Candidate> & { id: string }): Candidate => ({
  label: over.id,
  state: 'active',
  inFlight: 0,
  maxInFlight: 4,
  boosts: null,
  lastChosenAt: 0,
  coolingUntil: null,
  ...over,
});

describe('choose', () => {
  it('takes the least-loaded active account below its limit, never an expired, cooling or disabled one', () => {
    const picked = choose(
      [
        candidate({ id: 'busy', inFlight: 3 }),
        candidate({ id: 'idle', inFlight: 1 }),
        candidate({ id: 'gone', state: 'expired' }),
        candidate({ id: 'cool', state: 'cooling', coolingUntil: 10_000 }),
        candidate({ id: 'off', state: 'disabled' }),
      ],
      0,
    );
    expect(picked).toEqual({ ok: true, id: 'idle' });
  });

  it('prefers accounts with boosts left, then the one chosen longest ago', () => {
    expect(choose([candidate({ id: 'a', boosts: 0 }), candidate({ id: 'b', boosts: 5, inFlight: 2 })], 0)).toEqual({
      ok: true,
      id: 'b',
    });
    expect(choose([candidate({ id: 'a', lastChosenAt: 5 }), candidate({ id: 'b', lastChosenAt: 2 })], 0)).toEqual({
      ok: true,
      id: 'b',
    });
  });

  it('keeps an account at its limit for last, and skips the accounts already tried', () => {
    const full = [candidate({ id: 'full', inFlight: 4, boosts: 9 }), candidate({ id: 'room', inFlight: 3, boosts: 0 })];
    expect(choose(full, 0)).toEqual({ ok: true, id: 'room' });
    expect(choose(full, 0, new Set(['room']))).toEqual({ ok: true, id: 'full' });
  });

  it('with none usable: RATE_LIMITED with the soonest cool-down when one cools, else AUTH saying why', () => {
    const cooling = choose(
      [
        candidate({ id: 'a', state: 'cooling', coolingUntil: 30_000 }),
        candidate({ id: 'b', state: 'cooling', coolingUntil: 12_500 }),
      ],
      10_000,
    );
    expect(cooling).toMatchObject({ ok: false, code: 'RATE_LIMITED', retryAfterSeconds: 3 });
    expect(!cooling.ok && cooling.message).toMatch(/cooling/);
    const expired = choose([candidate({ id: 'a', state: 'expired' })], 0);
    expect(expired).toMatchObject({ ok: false, code: 'AUTH' });
    expect(!expired.ok && expired.message).toMatch(/signed out/);
    expect(choose([], 0)).toMatchObject({ ok: false, code: 'AUTH', message: expect.stringMatching(/configured/) });
    expect(choose([candidate({ id: 'a', state: 'disabled' })], 0)).toMatchObject({
      code: 'AUTH',
      message: expect.stringMatching(/disabled/),
    });
  });
});

describe('the state machine', () => {
  const policy = { baseMs: 1_000, maxMs: 5_000 };

  it('cools for longer after each refusal in a row, up to the maximum, and an accepted submit resets it', () => {
    let record = freshRecord('id', 'a', 0);
    record = machine.rateLimited(record, 0, policy);
    expect(machine.stateAt(record, true, 999)).toBe('cooling');
    expect(machine.stateAt(record, true, 1_000)).toBe('active');
    record = machine.rateLimited(record, 1_000, policy);
    expect(record.coolingUntil).toBe(3_000);
    record = machine.rateLimited(record, 3_000, policy);
    record = machine.rateLimited(record, 7_000, policy);
    expect(record.coolingUntil).toBe(12_000);
    expect(record.failuresToday).toBe(4);
    record = machine.accepted(record, 12_000);
    expect([record.strikes, record.health, record.generationsToday]).toEqual([0, 'active', 1]);
  });

  it('expires on AUTH, comes back only when signed in, and disabled wins over everything', () => {
    let record = machine.expired(freshRecord('id', 'a', 0), 5);
    expect(machine.stateAt(record, true, 10)).toBe('expired');
    expect(machine.stateAt(record, false, 10)).toBe('disabled');
    expect(record).toMatchObject({ lastErrorCode: 'AUTH', lastErrorAt: 5 });
    record = machine.signedIn(record, 20, true);
    expect(machine.stateAt(record, true, 20)).toBe('active');
    expect(machine.stateAt(machine.signedIn(record, 30, false), true, 30)).toBe('expired');
  });

  it("counts today's generations and failures, and starts again on a new UTC day", () => {
    const day = Date.UTC(2026, 0, 1, 23);
    let record = machine.failed(machine.accepted(freshRecord('id', 'a', day), day), day, 'UPSTREAM');
    expect([record.generationsToday, record.failuresToday]).toEqual([1, 1]);
    record = machine.accepted(record, day + 2 * 3_600_000);
    expect([record.generationsToday, record.failuresToday]).toEqual([1, 0]);
  });
});

describe('the accounts file', () => {
  it('reads JSON and YAML, with the defaults filled in', () => {
    const json = parseAccounts(
      JSON.stringify([
        { label: 'main', cookie: 'abc' },
        { label: 'eu', cookie: '_U=x; MUID=y', proxy: 'http://127.0.0.1:3128', maxInFlight: 2, enabled: false },
      ]),
      'accounts.json',
      4,
    );
    expect(json).toEqual([
      { label: 'main', cookie: 'abc', proxy: null, maxInFlight: 4, enabled: true },
      { label: 'eu', cookie: '_U=x; MUID=y', proxy: 'http://127.0.0.1:3128', maxInFlight: 2, enabled: false },
    ]);
    const yaml = parseAccounts('- label: main\n  cookie: abc\n  maxInFlight: 3\n', 'accounts.yaml', 4);
    expect(yaml).toEqual([{ label: 'main', cookie: 'abc', proxy: null, maxInFlight: 3, enabled: true }]);
  });

  it('names every problem by position and field, and never quotes a value', () => {
    const secret = 'SECRET-COOKIE-VALUE-123';
    const text = JSON.stringify([
      { label: 'a', cookie: secret },
      { label: 'a', cookie: secret },
      { cookie: 'x', extra: true },
      { label: 'b c', cookie: '', maxInFlight: 0, enabled: 'yes', proxy: 'not a url' },
    ]);
    let error: unknown;
    try {
      parseAccounts(text, 'accounts.json', 4);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AccountsFileError);
    const problems = (error as AccountsFileError).problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        '[2].label: is required',
        '[2]: has unknown field(s) extra',
        expect.stringMatching(/^\[3\]\.label: /),
        '[3].cookie: must not be empty',
        '[3].maxInFlight: must be at least 1',
        '[3].enabled: must be true or false',
        expect.stringMatching(/^\[3\]\.proxy: /),
      ]),
    );
    expect((error as Error).message).not.toContain(secret);
    const repeated = (() => {
      try {
        parseAccounts(
          JSON.stringify([
            { label: 'a', cookie: secret },
            { label: 'A', cookie: secret },
          ]),
          'a.json',
          4,
        );
      } catch (caught) {
        return (caught as AccountsFileError).problems;
      }
      return [];
    })();
    expect(repeated).toEqual(['[1].label: repeats the label of [0]', '[1].cookie: is the same cookie as [0]']);
  });

  it('refuses text that is not JSON or YAML, without quoting it', () => {
    expect(() => parseAccounts('[{"label": "a", "cookie": "SECRET-1234567"', 'a.json', 4)).toThrow(/not valid JSON$/);
    expect(() => parseAccounts('- label: [SECRET-1234567', 'a.yml', 4)).toThrow(/not valid YAML/);
    expect(() => parseAccounts('{"label": "a"}', 'a.json', 4)).toThrow(/the file: must be a list of accounts/);
  });

  it('makes unlabelled accounts of the environment, named by the fingerprint of their cookie', () => {
    expect(environmentAccounts(['a', 'a', ' b '], 2)).toEqual([
      { label: fingerprint('a'), cookie: 'a', proxy: null, maxInFlight: 2, enabled: true },
      { label: fingerprint('b'), cookie: 'b', proxy: null, maxInFlight: 2, enabled: true },
    ]);
  });
});

describe('AccountPool', () => {
  const spec = (label: string, maxInFlight = 2) => ({
    label,
    cookie: `cookie-${label}`,
    proxy: null,
    maxInFlight,
    enabled: true,
  });
  const make = (now: { t: number }, store = new MemoryTaskStore()) =>
    new AccountPool({
      coolDown: { baseMs: 1_000, maxMs: 60_000 },
      log: pino({ level: 'silent' }),
      store,
      now: () => now.t,
    });

  it('spreads generations over the accounts by load, and refuses with the reason once none can take one', async () => {
    const now = { t: 1_000 };
    const pool = make(now);
    await pool.start([spec('a'), spec('b')]);
    const first = pool.acquire();
    const second = pool.acquire();
    expect(new Set([first.label, second.label])).toEqual(new Set(['a', 'b']));
    pool.failed(first.id, 'RATE_LIMITED');
    pool.failed(second.id, 'AUTH');
    expect(pool.counts()).toEqual({ active: 0, expired: 1, cooling: 1, disabled: 0 });
    expect(() => pool.acquire()).toThrow(PoolRefusal);
    try {
      pool.acquire();
    } catch (error) {
      expect(error).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 1 });
    }
    now.t += 1_001;
    expect(pool.acquire().id).toBe(first.id);
    pool.close();
  });

  it('keeps what it learnt across a restart (the store), and lets an admin disable an account', async () => {
    const now = { t: 1_000 };
    const store = new MemoryTaskStore();
    const pool = make(now, store);
    await pool.start([spec('a'), spec('b')]);
    pool.failed(pool.list()[0]!.id, 'AUTH');
    expect(pool.setEnabled('b', false)?.state).toBe('disabled');
    expect(pool.setEnabled('nobody', false)).toBeUndefined();
    pool.close();
    await new Promise((resolve) => setImmediate(resolve));
    const again = make(now, store);
    await again.start([spec('a'), spec('b')]);
    expect(again.list().map((account) => [account.label, account.state, account.failuresToday])).toEqual([
      ['a', 'expired', 1],
      ['b', 'disabled', 0],
    ]);
    again.close();
  });

  it('an account removed while a generation runs on it finishes that one, then goes', async () => {
    const pool = make({ t: 0 });
    const forgotten: string[] = [];
    pool.onForgotten((id) => forgotten.push(id));
    await pool.start([spec('a'), spec('b')]);
    const lease = pool.acquire();
    const other = lease.label === 'a' ? 'b' : 'a';
    const { removed } = pool.setAccounts([spec(other)]);
    expect(removed).toEqual([lease.id]);
    expect(pool.list().map((account) => account.label)).toEqual([other]);
    expect(pool.credentials(lease.id)?.cookie).toBe(`cookie-${lease.label}`);
    expect(forgotten).toEqual([]);
    lease.release();
    expect(forgotten).toEqual([lease.id]);
    expect(pool.credentials(lease.id)).toBeUndefined();
    pool.close();
  });
});
