/**
 * The port the views read the Bing accounts through (the admin view, health): the account pool fills it.
 * No cookie and no proxy address ever crosses it.
 */

export type AccountState = 'active' | 'expired' | 'cooling' | 'disabled';
export const ACCOUNT_STATE_NAMES: readonly AccountState[] = ['active', 'expired', 'cooling', 'disabled'];

export interface AccountInfo {
  label: string;
  state: AccountState;
  enabled: boolean;
  /** Boosts left; null when Bing has not said. */
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

export interface AccountsView {
  list(): AccountInfo[];
  /** Undefined when no account has this label. */
  setEnabled(label: string, enabled: boolean): AccountInfo | undefined;
  counts(): Record<AccountState, number>;
  /** Accounts that expired since the server started. */
  readonly expirations: number;
}
