/**
 * Who is calling: the owner (an API key's id, or null when keys are off) and a client name that the
 * per-caller limits count against (the owner, else the client's address).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Caller } from '../tasks/service.js';
import { presentedKey, type ApiKeys, type Identification } from './api-keys.js';

/** Loopback addresses, IPv4 (also mapped into IPv6) and IPv6. */
const LOOPBACK = /^(127\.|::ffff:127\.|::1$)/;

export type Authentication = { ok: true; caller: Caller } | { ok: false; reason: 'missing' | 'invalid' };

export class Authenticator {
  readonly #keys: ApiKeys;
  /** How many proxies in front of the server may be trusted to append to X-Forwarded-For. */
  readonly #trustProxy: number;
  readonly #admin: ApiKeys | undefined;

  constructor(keys: ApiKeys, trustProxy: number, adminKeys?: ApiKeys) {
    this.#keys = keys;
    this.#trustProxy = trustProxy;
    this.#admin = adminKeys?.enabled ? adminKeys : undefined;
  }

  get required(): boolean {
    return this.#keys.enabled;
  }

  /** A request's caller, from its headers (HTTP, SSE, or a WebSocket upgrade). */
  fromHeaders(headers: IncomingHttpHeaders, remoteAddress: string | undefined): Authentication {
    return this.#authenticate(presentedKey(headers.authorization, headers['x-api-key']), headers, remoteAddress);
  }

  /**
   * A WebSocket's caller: the `connection_init` payload's `authorization` (or `x-api-key`) first, then
   * the upgrade request's headers.
   */
  fromConnection(
    params: Readonly<Record<string, unknown>> | undefined,
    headers: IncomingHttpHeaders,
    remoteAddress: string | undefined,
  ): Authentication {
    const fromParams = presentedKey(params?.['authorization'] ?? params?.['Authorization'], params?.['x-api-key']);
    const key = fromParams ?? presentedKey(headers.authorization, headers['x-api-key']);
    return this.#authenticate(key, headers, remoteAddress);
  }

  #authenticate(
    key: string | undefined,
    headers: IncomingHttpHeaders,
    remoteAddress: string | undefined,
  ): Authentication {
    const client = this.clientAddress(headers, remoteAddress);
    const admin = this.#admin?.identify(key);
    if (admin?.ok) {
      const owner = this.#keys.enabled ? admin.owner : null;
      return { ok: true, caller: { owner, client: owner ?? `ip:${client}`, admin: 'granted' } };
    }
    if (!this.#keys.enabled) {
      const access = this.#admin ? 'missing' : LOOPBACK.test(client) ? 'granted' : 'forbidden';
      return { ok: true, caller: { owner: null, client: `ip:${client}`, admin: access } };
    }
    const identity: Identification = this.#keys.identify(key);
    if (!identity.ok) return identity;
    // An ordinary key never opens the admin view: with API keys and no admin keys, nobody has it.
    return { ok: true, caller: { owner: identity.owner, client: identity.owner, admin: 'forbidden' } };
  }

  /** The client's address: the socket's, or with trusted proxies the entry they appended to X-Forwarded-For. */
  clientAddress(headers: IncomingHttpHeaders, remoteAddress: string | undefined): string {
    const socket = remoteAddress ?? 'unknown';
    if (this.#trustProxy <= 0) return socket;
    const forwarded = String(headers['x-forwarded-for'] ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
    return forwarded[forwarded.length - this.#trustProxy] ?? forwarded[0] ?? socket;
  }
}
