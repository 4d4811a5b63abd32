/**
 * ACCOUNT_WEBHOOK_URL: a small JSON POST on each change of an account's state. Fire and forget, each with
 * a deadline; a receiver that fails or hangs is logged (without its URL) and never holds a generation.
 */
import { request } from 'undici';
import type { Logger } from 'pino';
import type { AccountState } from './account.js';

export interface AccountChange {
  label: string;
  account: string;
  state: AccountState;
  previous: AccountState | null;
  at: string;
  lastErrorCode: string | null;
  coolingUntil: string | null;
}

export class Webhook {
  readonly #url: string;
  readonly #timeoutMs: number;
  readonly #log: Logger;
  readonly #pending = new Set<AbortController>();

  constructor(url: string, timeoutMs: number, log: Logger) {
    this.#url = url;
    this.#timeoutMs = timeoutMs;
    this.#log = log;
  }

  send(change: AccountChange): void {
    const controller = new AbortController();
    this.#pending.add(controller);
    const timer = setTimeout(() => controller.abort(), this.#timeoutMs);
    timer.unref();
    request(this.#url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'account.state', ...change }),
      signal: controller.signal,
      headersTimeout: this.#timeoutMs,
      bodyTimeout: this.#timeoutMs,
    })
      .then(async (response) => {
        await response.body.dump();
        if (response.statusCode >= 300)
          this.#log.warn(
            { status: response.statusCode, account: change.label },
            'the account webhook refused a change',
          );
      })
      .catch((error: unknown) => {
        this.#log.warn(
          { account: change.label, reason: controller.signal.aborted ? 'timeout' : (error as { code?: string }).code },
          'the account webhook could not be reached',
        );
      })
      .finally(() => {
        clearTimeout(timer);
        this.#pending.delete(controller);
      });
  }

  close(): void {
    for (const controller of this.#pending) controller.abort();
    this.#pending.clear();
  }
}
