/**
 * One account's session as Bing's pages describe it: signed in or not, the IG, IID and Salt of the
 * `/images/create` page, the `SRCHHPGUSR` cookie built from them, and the boosts left. The client loads
 * the page before an account's first submit and again once it is stale.
 */
import {
  type AccountCredential,
  type CookieJar,
  accountId,
  cookieHeader,
  isCookieHeader,
  parseCookies,
} from './cookies.js';

export type SessionState = 'active' | 'inactive' | 'expired';

export interface SessionPage {
  signedIn: boolean;
  ig: string | null;
  iid: string | null;
  salt: string | null;
  /** Boosts left; null when the page does not say. */
  boosts: number | null;
}

/** The forms each value was seen in: `IG:"..."`, `_G.IG="..."`, `"IG":"..."`, and `IG=...` in a URL. */
function forms(name: string, value: string): RegExp[] {
  return [
    new RegExp(`\\b${name}\\s*:\\s*"(${value})"`),
    new RegExp(`_G\\.${name}\\s*=\\s*"(${value})"`),
    new RegExp(`"${name}"\\s*:\\s*"(${value})"`),
    new RegExp(`[?&;]${name}=(${value})(?![\\w.-])`),
  ];
}

export const IG_FORMS = forms('IG', '[0-9A-Fa-f]{8,64}');
export const IID_FORMS = forms('IID', '[\\w.-]{1,100}');
const SALT_FORMS = forms('Salt', '[\\w.~+/=-]{1,200}');

export function firstMatch(text: string, patterns: readonly RegExp[]): string | null {
  for (const pattern of patterns) {
    const value = pattern.exec(text)?.[1];
    if (value) return value;
  }
  return null;
}

/**
 * The balance, in each form it has had: `<div id="token_bal" ...>N</div>`, `bal" aria-label="N ...`,
 * `<div id="reward_c" data-tb="N"`, and `N coins available`. A page with none of them: unknown.
 */
const BOOST_FORMS = [
  /id="token_bal"[^>]*>\s*(\d{1,6})\s*</i,
  /bal"\s+aria-label="\s*(\d{1,6})\b/i,
  /id="reward_c"[^>]*\bdata-tb="\s*(\d{1,6})\s*"/i,
  /\b(\d{1,6})\s+coins?\s+available\b/i,
];

export function parseBoosts(html: string): number | null {
  const found = firstMatch(html, BOOST_FORMS);
  return found === null ? null : Number(found);
}

export function parseSessionPage(html: string): SessionPage {
  const text = html.replace(/&amp;/g, '&');
  return {
    signedIn: html.includes('id="id_a" style="display:none"'),
    ig: firstMatch(text, IG_FORMS),
    iid: firstMatch(text, IID_FORMS),
    salt: firstMatch(text, SALT_FORMS),
    boosts: parseBoosts(html),
  };
}

/** What is known of one account; the client and the video session read and update it. */
export class AccountSession {
  readonly id: string;
  readonly label: string | undefined;
  readonly proxy: string | undefined;
  /** The configured cookies: the `_U` alone, or the whole set pasted from the browser. */
  readonly jar: CookieJar;
  /** Whether the credential was a full cookie set rather than `_U` alone. */
  readonly fullSet: boolean;
  state: SessionState | 'unknown' = 'unknown';
  ig: string | null = null;
  iid: string | null = null;
  salt: string | null = null;
  boosts: number | null = null;
  /** When the session page was last read; null before the first time. */
  loadedAt: number | null = null;
  /** Set when an answer suggests the session went stale: the page is read again before the next submit. */
  stale = false;

  /** `id`: the name the caller gives the account (the account pool); by default the cookie's fingerprint. */
  constructor(credential: AccountCredential | string, id?: string) {
    const { cookie, proxy, label } = typeof credential === 'string' ? { cookie: credential } : credential;
    this.jar = parseCookies(cookie);
    this.fullSet = isCookieHeader(cookie.trim().replace(/^cookie:\s*/i, '')) && this.jar.size > 1;
    this.id = id ?? accountId(this.jar, cookie);
    this.proxy = proxy || undefined;
    this.label = label || undefined;
  }

  /** Whether the session page must be read (again) before a submit. */
  needsLoad(now: number, ttlMs: number): boolean {
    return this.state !== 'active' || this.stale || this.loadedAt === null || now - this.loadedAt >= ttlMs;
  }

  learn(page: SessionPage, now: number): void {
    this.state = page.signedIn ? 'active' : 'expired';
    if (page.ig) this.ig = page.ig;
    if (page.iid) this.iid = page.iid;
    if (page.salt) this.salt = page.salt;
    this.boosts = page.boosts;
    this.loadedAt = now;
    this.stale = false;
  }

  /** `SRCHHPGUSR=SRCHLANG=<lang>&HV=<unix seconds>&HVE=<Salt>&IG=<IG>`, once the page gave an IG. */
  srchhpgusr(): string | null {
    if (!this.ig) return null;
    const hv = Math.floor((this.loadedAt ?? Date.now()) / 1000);
    return `SRCHLANG=en&HV=${hv}&HVE=${this.salt ?? ''}&IG=${this.ig}`;
  }

  /** The `Cookie:` header: every configured cookie, with the SRCHHPGUSR this session built. */
  cookie(): string {
    const built = this.srchhpgusr();
    return cookieHeader(this.jar, built ? { SRCHHPGUSR: built } : {});
  }

  /** A configured cookie's value (the video upload needs `_SS`). */
  cookieValue(name: string): string | null {
    return this.jar.get(name) ?? null;
  }

  /** An rt=4 submit was accepted: one boost fewer, where the count is known. */
  spentBoost(): void {
    if (this.boosts !== null) this.boosts = Math.max(0, this.boosts - 1);
  }
}
