import type { Health } from '../tasks/service.js';
import { AccountStateCountsType } from './accounts.js';
import { builder } from './builder.js';
import { SessionStateEnum, UpstreamEnum } from './enums.js';

interface HealthView extends Health {
  simulator: boolean;
}

const AccountVideoType = builder.objectRef<Health['fastCreations'][number]>('AccountVideo').implement({
  description: "What Bing's video creator says of one account.",
  fields: (t) => ({
    account: t.exposeString('account', { description: "The account's fingerprint (never its cookie)." }),
    fastCreationsLeft: t.exposeInt('fastCreationsLeft', {
      nullable: true,
      description: 'Free fast video creations left; null until Bing has said (after the first video).',
    }),
  }),
});

const AccountBoostsType = builder.objectRef<Health['boosts'][number]>('AccountBoosts').implement({
  description: 'The boosts (fast image creations) of one account, as the Image Creator page last said.',
  fields: (t) => ({
    account: t.exposeString('account', { description: "The account's fingerprint (never its cookie)." }),
    known: t.exposeBoolean('known', { description: 'Whether the page has shown the balance.' }),
    remaining: t.exposeInt('remaining', { nullable: true, description: 'Boosts left; null while unknown.' }),
  }),
});

const HealthType = builder.objectRef<HealthView>('Health').implement({
  fields: (t) => ({
    status: t.string({ description: 'Always "ok" while the server answers.', resolve: () => 'ok' }),
    cookieSet: t.exposeBoolean('cookieSet', { description: 'Whether a Bing _U cookie is configured.' }),
    session: t.field({ type: SessionStateEnum, resolve: (health) => health.session }),
    activeTasks: t.exposeInt('activeTasks', { description: 'Tasks still queued or processing.' }),
    upstream: t.field({ type: UpstreamEnum, resolve: (health) => (health.simulator ? 'SIMULATOR' : 'BING') }),
    accounts: t.field({
      type: AccountStateCountsType,
      description: 'How many Bing accounts are in each state.',
      resolve: (health) => health.accountStates,
    }),
    accountExpirations: t.exposeInt('accountExpirations', {
      description: 'Bing accounts that expired since the server started.',
    }),
    videoAccounts: t.field({
      type: [AccountVideoType],
      description: 'Per account: the free fast video creations left.',
      resolve: (health) => health.fastCreations,
    }),
    boosts: t.field({
      type: [AccountBoostsType],
      description: 'Per account: the boosts left (rt=4 submits while some remain, the slow queue after).',
      resolve: (health) => health.boosts,
    }),
  }),
});

builder.queryField('health', (t) =>
  t.field({
    type: HealthType,
    resolve: async (_, __, { service, simulator }) => ({ ...(await service.health()), simulator }),
  }),
);
