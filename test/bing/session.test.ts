import { describe, expect, it } from 'vitest';
import { AccountSession, parseBoosts, parseSessionPage } from '../../src/bing/session.js';

const IG = '0123ABCDEF4567890ABCDEF012345678';
const SIGNED_IN = '<span id="id_a" style="display:none">A</span>';

describe('the session page: IG, IID and Salt in every form', () => {
  it.each([
    ['IG:"..."', `<script>var _G={IG:"${IG}",Salt:"s4lt-x",IID:"SERP.5001"};</script>`],
    ['_G.IG="..."', `<script>_G.IG="${IG}";_G.Salt="s4lt-x";_G.IID="SERP.5001";</script>`],
    ['"IG":"..."', `<script type="application/json">{"IG":"${IG}","Salt":"s4lt-x","IID":"SERP.5001"}</script>`],
    ['IG=... in a URL', `<link href="/images/x?IG=${IG}&amp;Salt=s4lt-x&amp;IID=SERP.5001"/>`],
  ])('%s', (_, script) => {
    expect(parseSessionPage(`<html>${script}${SIGNED_IN}</html>`)).toEqual({
      signedIn: true,
      ig: IG,
      iid: 'SERP.5001',
      salt: 's4lt-x',
      boosts: null,
    });
  });
});

describe('the boost balance', () => {
  it.each([
    ['<div id="token_bal" aria-label="Boosts available">12</div>', 12],
    ['<div class="token_bal" aria-label="9 boosts available"><span>9</span></div>', 9],
    ['<div id="reward_c" data-tb="15" class="rwds"></div>', 15],
    ['<div class="coins">0 coins available</div>', 0],
    ['<div class="coins">3 coins available</div>', 3],
    ['<div>no balance here, 15 images</div>', null],
  ])('%s → %s', (html, boosts) => {
    expect(parseBoosts(html)).toBe(boosts);
  });
});

describe('an account session', () => {
  it('builds SRCHHPGUSR from the page and sends every configured cookie with it', () => {
    const account = new AccountSession({ cookie: 'MUID=m1; _U=u-value; SRCHHPGUSR=SRCHLANG=de', label: 'one' });
    expect(account.fullSet).toBe(true);
    expect(account.label).toBe('one');
    expect(account.srchhpgusr()).toBeNull();
    expect(account.cookie()).toBe('MUID=m1; _U=u-value; SRCHHPGUSR=SRCHLANG=de');
    account.learn({ signedIn: true, ig: IG, iid: null, salt: 'pepper', boosts: 2 }, 1_700_000_000_000);
    expect(account.srchhpgusr()).toBe(`SRCHLANG=en&HV=1700000000&HVE=pepper&IG=${IG}`);
    expect(account.cookie()).toBe(`MUID=m1; _U=u-value; SRCHHPGUSR=SRCHLANG=en&HV=1700000000&HVE=pepper&IG=${IG}`);
    expect(account.state).toBe('active');
  });

  it('needs the page first, when stale, when marked stale, and when not signed in', () => {
    const account = new AccountSession('u-only');
    expect(account.fullSet).toBe(false);
    expect(account.cookie()).toBe('_U=u-only');
    expect(account.needsLoad(1_000, 60_000)).toBe(true);
    account.learn({ signedIn: true, ig: IG, iid: null, salt: null, boosts: null }, 1_000);
    expect(account.needsLoad(2_000, 60_000)).toBe(false);
    expect(account.needsLoad(61_000, 60_000)).toBe(true);
    account.stale = true;
    expect(account.needsLoad(2_000, 60_000)).toBe(true);
    account.learn({ signedIn: false, ig: null, iid: null, salt: null, boosts: null }, 3_000);
    expect(account.needsLoad(3_001, 60_000)).toBe(true);
  });

  it('spends boosts only where the count is known, never below zero', () => {
    const account = new AccountSession('u');
    account.spentBoost();
    expect(account.boosts).toBeNull();
    account.boosts = 1;
    account.spentBoost();
    account.spentBoost();
    expect(account.boosts).toBe(0);
  });
});
