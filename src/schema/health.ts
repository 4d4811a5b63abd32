import type { Health } from '../tasks/service.js';
import { builder } from './builder.js';
import { SessionStateEnum, UpstreamEnum } from './enums.js';

interface HealthView extends Health {
  simulator: boolean;
}

const HealthType = builder.objectRef<HealthView>('Health').implement({
  fields: (t) => ({
    status: t.string({ description: 'Always "ok" while the server answers.', resolve: () => 'ok' }),
    cookieSet: t.exposeBoolean('cookieSet', { description: 'Whether a Bing _U cookie is configured.' }),
    session: t.field({ type: SessionStateEnum, resolve: (health) => health.session }),
    activeTasks: t.exposeInt('activeTasks', { description: 'Tasks still queued or processing.' }),
    upstream: t.field({ type: UpstreamEnum, resolve: (health) => (health.simulator ? 'SIMULATOR' : 'BING') }),
  }),
});

builder.queryField('health', (t) =>
  t.field({
    type: HealthType,
    resolve: async (_, __, { service, simulator }) => ({ ...(await service.health()), simulator }),
  }),
);
