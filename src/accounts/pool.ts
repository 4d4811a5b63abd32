/**
 * The account pool: the configured accounts, what Bing last said of each, and the choice of the account
 * a new generation goes to. It knows no Bing markup and no transport: the adapter in tasks/ reports what
 * each answer meant (accepted, refused with a code, failed), and the pool keeps state, counts, stores the
 * records, logs expiries and calls the webhook on each change of state.
 */
import type { Logger } from 'pino';
import {
  ACCOUNT_STATES,
  type AccountRecord,
  type AccountSpec,
  type AccountState,
  type AccountStateStore,
  fingerprint,
  freshRecord,
} from './account.js';
import { type Candidate, choose } from './choice.js';
import * as machine from './state.js';
import type { AccountChange, Webhook } from './webhook.js';

export interface PoolOptions {
  coolDown: machine.CoolDown;
  log: Logger;
  store?: AccountStateStore | undefined;
  webhook?: Webhook | undefined;
  now?: () => number;
}

/** What the admin view shows of an account: no cookie, no proxy address. */
export interface AccountView {
  id: string;
  label: string;
  state: AccountState;
  enabled: boolean;
  boosts: number | null;
  fastCreationsLeft: number | null;
  inFlight: number;
  maxInFlight: number;
  generationsToday: number;
  failuresToday: number;
  lastErrorCode: string | null;
  lastErrorAt: number | null;
  coolingUntil: number | null;
}

export interface Credentials {
  id: string;
  cookie: string;
  proxy: string | null;
}

export interface Lease extends Credentials {
  label: string;
  release(): void;
}

/** No account can take the generation; `code` says whether none is signed in or all are cooling. */
export class PoolRefusal extends Error {
  override readonly name = 'PoolRefusal';
  readonly code: 'AUTH' | 'RATE_LIMITED';
  readonly retryAfterSeconds: number | undefined;

  constructor(code: 'AUTH' | 'RATE_LIMITED', message: string, retryAfterSeconds?: number) {
    super(message);
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

interface Entry {
  id: string;
  spec: AccountSpec;
  record: AccountRecord;
  inFlight: number;
  lastChosenAt: number;
  /** False once the file no longer has it: it finishes what it has, then goes. */
  configured: boolean;
  /** Bing has said it is signed in (a session page or an accepted submit), in this run. */
  verified: boolean;
  reported: AccountState;
  timer: NodeJS.Timeout | undefined;
}

export class AccountPool {
  readonly #entries = new Map<string, Entry>();
  /** Records of accounts not configured now, kept for when they come back. */
  readonly #saved = new Map<string, AccountRecord>();
  readonly #options: PoolOptions;
  readonly #now: () => number;
  readonly #forgotten = new Set<(id: string) => void>();
  #expirations = 0;
  #closed = false;

  constructor(options: PoolOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Loads the stored records, then takes the accounts. */
  async start(specs: readonly AccountSpec[]): Promise<void> {
    for (const record of (await this.#options.store?.loadAccounts()) ?? []) this.#saved.set(record.id, record);
    this.setAccounts(specs);
  }

  /** Called with the id of an account that is gone for good (removed, and nothing of it in flight). */
  onForgotten(listener: (id: string) => void): void {
    this.#forgotten.add(listener);
  }

  /** Replaces the configured accounts; what a removed account has in flight finishes on it. */
  setAccounts(specs: readonly AccountSpec[]): { added: string[]; removed: string[] } {
    const now = this.#now();
    const wanted = new Map(specs.map((spec) => [fingerprint(spec.cookie), spec]));
    const added: string[] = [];
    const removed: string[] = [];
    for (const entry of this.#entries.values()) {
      if (wanted.has(entry.id) || !entry.configured) continue;
      entry.configured = false;
      removed.push(entry.id);
      this.#saved.set(entry.id, entry.record);
      if (entry.inFlight === 0) this.#forget(entry);
    }
    for (const [id, spec] of wanted) {
      const entry = this.#entries.get(id);
      if (entry) {
        if (!entry.configured) added.push(id);
        entry.configured = true;
        entry.spec = spec;
        if (entry.record.label !== spec.label) entry.record = { ...entry.record, label: spec.label };
        this.#settle(entry);
        continue;
      }
      const saved = this.#saved.get(id);
      const record = saved ? { ...saved, label: spec.label } : freshRecord(id, spec.label, now);
      const fresh: Entry = {
        id,
        spec,
        record,
        inFlight: 0,
        lastChosenAt: 0,
        configured: true,
        verified: false,
        reported: machine.stateAt(record, machine.isEnabled(record, spec.enabled), now),
        timer: undefined,
      };
      this.#entries.set(id, fresh);
      added.push(id);
      this.#settle(fresh, !saved);
    }
    return { added, removed };
  }

  get size(): number {
    return this.#configured().length;
  }

  /** The account for a new generation, excluding those already tried for it. */
  acquire(exclude: ReadonlySet<string> = new Set()): Lease {
    const now = this.#now();
    const entries = this.#configured();
    const choice = choose(
      entries.map((entry) => this.#candidate(entry, now)),
      now,
      exclude,
    );
    if (!choice.ok) throw new PoolRefusal(choice.code, choice.message, choice.retryAfterSeconds);
    const entry = this.#entries.get(choice.id) as Entry;
    entry.lastChosenAt = now;
    const release = this.#hold(entry);
    return { ...this.#credentials(entry), label: entry.spec.label, release };
  }

  /** Holds an in-flight place on an account for a generation Bing already runs (a wait, a resume). */
  hold(id: string): (() => void) | undefined {
    const entry = this.#entries.get(id);
    return entry && this.#hold(entry);
  }

  /** The credentials of an account still known (configured, or removed but finishing its generations). */
  credentials(id: string): Credentials | undefined {
    const entry = this.#entries.get(id);
    return entry && this.#credentials(entry);
  }

  /** Bing took a generation on this account. */
  accepted(id: string): void {
    this.#change(id, (record, now) => machine.accepted(record, now), true);
  }

  /** A generation on this account failed with `code` (AUTH expires it, RATE_LIMITED cools it). */
  failed(id: string, code: string): void {
    this.#change(id, (record, now) => {
      if (code === 'AUTH') return machine.expired(record, now, code);
      if (code === 'RATE_LIMITED') return machine.rateLimited(record, now, this.#options.coolDown, code);
      return machine.failed(record, now, code);
    });
  }

  /** A failure that says nothing of the account's state (it stays as it is), counted and remembered. */
  noted(id: string, code: string): void {
    this.#change(id, (record, now) => machine.failed(record, now, code));
  }

  /** What the session page said of the account: signed in, signed out. */
  signedIn(id: string, signed: boolean): void {
    this.#change(id, (record, now) => machine.signedIn(record, now, signed), signed);
  }

  observe(id: string, seen: { fastCreationsLeft?: number | null; boosts?: number | null }): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    const next = { ...entry.record };
    if (seen.fastCreationsLeft !== undefined && seen.fastCreationsLeft !== null)
      next.fastCreationsLeft = seen.fastCreationsLeft;
    if (seen.boosts !== undefined && seen.boosts !== null) next.boosts = seen.boosts;
    if (next.fastCreationsLeft === entry.record.fastCreationsLeft && next.boosts === entry.record.boosts) return;
    entry.record = next;
    this.#save(entry);
  }

  list(): AccountView[] {
    const now = this.#now();
    return this.#configured()
      .map((entry) => this.#view(entry, now))
      .sort((a, b) => a.label.localeCompare(b.label));
  }

  /** The admin switch; undefined when no configured account has this label. */
  setEnabled(label: string, enabled: boolean): AccountView | undefined {
    const entry = this.#configured().find((candidate) => candidate.spec.label === label);
    if (!entry) return undefined;
    entry.record = { ...entry.record, adminEnabled: enabled === entry.spec.enabled ? null : enabled };
    this.#settle(entry, true);
    return this.#view(entry, this.#now());
  }

  counts(): Record<AccountState, number> {
    const now = this.#now();
    const counts = Object.fromEntries(ACCOUNT_STATES.map((state) => [state, 0])) as Record<AccountState, number>;
    // The states alone: /health asks for them on every probe, without the views or their order.
    for (const entry of this.#configured()) counts[this.#state(entry, now)] += 1;
    return counts;
  }

  /** Accounts that expired since the server started. */
  get expirations(): number {
    return this.#expirations;
  }

  /** The seed's one word: active when an account is known signed in, expired when every one is signed out. */
  session(): 'active' | 'inactive' | 'expired' {
    const now = this.#now();
    const entries = this.#configured();
    const states = entries.map((entry) => this.#state(entry, now));
    if (entries.some((entry, i) => entry.verified && states[i] === 'active')) return 'active';
    if (entries.length > 0 && states.every((state) => state === 'expired')) return 'expired';
    return 'inactive';
  }

  close(): void {
    this.#closed = true;
    for (const entry of this.#entries.values()) clearTimeout(entry.timer);
  }

  #configured(): Entry[] {
    return [...this.#entries.values()].filter((entry) => entry.configured);
  }

  #state(entry: Entry, now: number): AccountState {
    return machine.stateAt(entry.record, machine.isEnabled(entry.record, entry.spec.enabled), now);
  }

  #candidate(entry: Entry, now: number): Candidate {
    return {
      id: entry.id,
      label: entry.spec.label,
      state: this.#state(entry, now),
      inFlight: entry.inFlight,
      maxInFlight: entry.spec.maxInFlight,
      boosts: entry.record.boosts,
      lastChosenAt: entry.lastChosenAt,
      coolingUntil: entry.record.coolingUntil,
    };
  }

  #credentials(entry: Entry): Credentials {
    return { id: entry.id, cookie: entry.spec.cookie, proxy: entry.spec.proxy };
  }

  #view(entry: Entry, now: number): AccountView {
    const record = machine.today(entry.record, now);
    const state = this.#state(entry, now);
    return {
      id: entry.id,
      label: entry.spec.label,
      state,
      enabled: machine.isEnabled(record, entry.spec.enabled),
      boosts: record.boosts,
      fastCreationsLeft: record.fastCreationsLeft,
      inFlight: entry.inFlight,
      maxInFlight: entry.spec.maxInFlight,
      generationsToday: record.generationsToday,
      failuresToday: record.failuresToday,
      lastErrorCode: record.lastErrorCode,
      lastErrorAt: record.lastErrorAt,
      coolingUntil: state === 'cooling' ? record.coolingUntil : null,
    };
  }

  #hold(entry: Entry): () => void {
    entry.inFlight += 1;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      entry.inFlight -= 1;
      if (!entry.configured && entry.inFlight === 0) this.#forget(entry);
    };
  }

  #forget(entry: Entry): void {
    clearTimeout(entry.timer);
    this.#entries.delete(entry.id);
    for (const listener of this.#forgotten) listener(entry.id);
  }

  #change(id: string, step: (record: AccountRecord, now: number) => AccountRecord, verified = false): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    entry.record = step(entry.record, this.#now());
    if (verified) entry.verified = true;
    this.#settle(entry, true);
  }

  /** Reports a change of state (log, count, webhook), stores the record, and wakes at the cool-down's end. */
  #settle(entry: Entry, save = false): void {
    const now = this.#now();
    const state = this.#state(entry, now);
    const previous = entry.reported;
    clearTimeout(entry.timer);
    entry.timer = undefined;
    if (state === 'cooling' && entry.record.coolingUntil !== null && !this.#closed) {
      entry.timer = setTimeout(() => this.#settle(entry), Math.max(0, entry.record.coolingUntil - now) + 5);
      entry.timer.unref();
    }
    if (save) this.#save(entry);
    if (state === previous) return;
    entry.reported = state;
    const { log } = this.#options;
    if (state === 'expired') {
      this.#expirations += 1;
      log.warn(
        { account: entry.spec.label, lastErrorCode: entry.record.lastErrorCode },
        'a Bing account has expired: renew its cookie',
      );
    } else {
      log.info({ account: entry.spec.label, state, previous }, 'Bing account state changed');
    }
    const change: AccountChange = {
      label: entry.spec.label,
      account: entry.id,
      state,
      previous,
      at: new Date(now).toISOString(),
      lastErrorCode: entry.record.lastErrorCode,
      coolingUntil:
        state === 'cooling' && entry.record.coolingUntil !== null
          ? new Date(entry.record.coolingUntil).toISOString()
          : null,
    };
    this.#options.webhook?.send(change);
  }

  #save(entry: Entry): void {
    const store = this.#options.store;
    if (!store || this.#closed) return;
    store.saveAccount(entry.record).catch((error: unknown) => {
      this.#options.log.error({ err: error, account: entry.spec.label }, 'could not store the state of an account');
    });
  }
}
