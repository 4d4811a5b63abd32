/**
 * The admin view of the Bing accounts: `accounts` and `setAccountEnabled`. Only an admin key (or, without
 * any keys configured, a loopback caller) may use it; no cookie or proxy address is ever in it.
 */
import { GraphQLError } from 'graphql';
import { ACCOUNT_STATE_NAMES, type AccountInfo } from '../tasks/accounts.js';
import { ServiceError } from '../tasks/errors.js';
import { ERROR_CODES, type Caller, type ErrorCode } from '../tasks/task.js';
import { builder } from './builder.js';
import { ErrorCodeEnum } from './enums.js';

export function requireAdmin(caller: Caller): void {
  if (caller.admin === 'granted') return;
  if (caller.admin === 'missing') {
    throw new GraphQLError(
      'The Bing accounts need an admin key (ADMIN_API_KEYS): send it as "Authorization: Bearer <key>".',
      {
        extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
      },
    );
  }
  throw new GraphQLError(
    'This caller may not see the Bing accounts: they need an admin key (ADMIN_API_KEYS), or, with no keys configured, a call from this machine.',
    { extensions: { code: 'FORBIDDEN', http: { status: 403 } } },
  );
}

export const BingAccountStateEnum = builder.enumType('BingAccountState', {
  values: {
    ACTIVE: { value: 'active', description: 'Signed in and taking generations.' },
    EXPIRED: { value: 'expired', description: 'Bing showed the signed-out page or refused the cookie: renew it.' },
    COOLING: { value: 'cooling', description: 'Rate-limited or out of quota: left alone until `coolingUntil`.' },
    DISABLED: { value: 'disabled', description: 'Switched off in the accounts file or by `setAccountEnabled`.' },
  } as const,
});

const date = (ms: number | null) => (ms === null ? null : new Date(ms));

export const BingAccountType = builder.objectRef<AccountInfo>('BingAccount').implement({
  description: 'One Bing account of the pool, by its label (never its cookie).',
  fields: (t) => ({
    label: t.exposeString('label', {
      description: 'The label in the accounts file; the fingerprint of the cookie for an unlabelled account.',
    }),
    state: t.field({ type: BingAccountStateEnum, resolve: (account) => account.state }),
    enabled: t.exposeBoolean('enabled'),
    boosts: t.exposeInt('boosts', { nullable: true, description: 'Boosts left; null until Bing has said.' }),
    fastCreationsLeft: t.exposeInt('fastCreationsLeft', {
      nullable: true,
      description: 'Free fast video creations left; null until Bing has said.',
    }),
    inFlight: t.exposeInt('inFlight', { description: 'Generations running on the account now.' }),
    maxInFlight: t.exposeInt('maxInFlight'),
    generationsToday: t.exposeInt('generationsToday', { description: 'Generations Bing accepted today (UTC).' }),
    failuresToday: t.exposeInt('failuresToday', { description: 'Generations that failed on it today (UTC).' }),
    lastErrorCode: t.field({
      type: ErrorCodeEnum,
      nullable: true,
      resolve: (account) =>
        account.lastErrorCode === null
          ? null
          : (ERROR_CODES as readonly string[]).includes(account.lastErrorCode)
            ? (account.lastErrorCode as ErrorCode)
            : 'UPSTREAM',
    }),
    lastErrorAt: t.field({ type: 'DateTime', nullable: true, resolve: (account) => date(account.lastErrorAt) }),
    coolingUntil: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'While COOLING: when it is tried again.',
      resolve: (account) => date(account.coolingUntil),
    }),
  }),
});

export const AccountStateCountsType = builder.objectRef<Record<string, number>>('AccountStateCounts').implement({
  description: 'How many Bing accounts are in each state.',
  fields: (t) =>
    Object.fromEntries(ACCOUNT_STATE_NAMES.map((state) => [state, t.int({ resolve: (counts) => counts[state] ?? 0 })])),
});

builder.queryField('accounts', (t) =>
  t.field({
    type: [BingAccountType],
    description: 'The Bing accounts and their state. Admin only.',
    resolve: (_, __, { service, caller }) => {
      requireAdmin(caller);
      return service.accounts();
    },
  }),
);

builder.mutationField('setAccountEnabled', (t) =>
  t.field({
    type: BingAccountType,
    description: 'Switches an account on or off (kept across restarts); what it has in flight finishes. Admin only.',
    args: {
      label: t.arg.string({ required: true }),
      enabled: t.arg.boolean({ required: true }),
    },
    resolve: (_, { label, enabled }, { service, caller }) => {
      requireAdmin(caller);
      try {
        return service.setAccountEnabled(label, enabled);
      } catch (error) {
        if (error instanceof ServiceError && error.code === 'NOT_FOUND')
          throw new GraphQLError(error.message, { extensions: { code: 'NOT_FOUND' } });
        throw error;
      }
    },
  }),
);
