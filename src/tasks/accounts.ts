/**
 * The port the views read the Bing accounts through (the admin view, health): the account pool fills it.
 * No cookie and no proxy address ever crosses it.
 */

import type { AccountState } from '../accounts/account.js';
import type { AccountView } from '../accounts/pool.js';

export type { AccountState };
export const ACCOUNT_STATE_NAMES: readonly AccountState[] = ['active', 'expired', 'cooling', 'disabled'];

/** An account as the views show it: the pool's view without its internal id. */
export type AccountInfo = Omit<AccountView, 'id'>;

export interface AccountsView {
  list(): AccountInfo[];
  /** Undefined when no account has this label. */
  setEnabled(label: string, enabled: boolean): AccountInfo | undefined;
  counts(): Record<AccountState, number>;
  /** Accounts that expired since the server started. */
  readonly expirations: number;
}
