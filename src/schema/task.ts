import { GraphQLError } from 'graphql';
import { ServiceError } from '../tasks/errors.js';
import type { TaskWatch } from '../tasks/events.js';
import type { TaskPage } from '../tasks/store.js';
import type { Task } from '../tasks/task.js';
import { builder } from './builder.js';
import { ErrorCodeEnum, TaskKindEnum, TaskStatusEnum } from './enums.js';

const time = (ms: number | null) => (ms === null ? null : new Date(ms));

export const TaskInterface = builder.interfaceRef<Task>('Task').implement({
  description: 'A generation, from request to result.',
  resolveType: (task) => (task.kind === 'VIDEO' ? 'VideoTask' : 'ImageTask'),
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.field({ type: TaskKindEnum, resolve: (task) => task.kind }),
    status: t.field({ type: TaskStatusEnum, resolve: (task) => task.status }),
    prompt: t.exposeString('prompt', { description: 'The prompt as sent.' }),
    error: t.exposeString('error', { nullable: true, description: 'Why it failed, for people.' }),
    errorCode: t.field({ type: ErrorCodeEnum, nullable: true, resolve: (task) => task.errorCode }),
    createdAt: t.field({ type: 'DateTime', resolve: (task) => new Date(task.createdAt) }),
    updatedAt: t.field({ type: 'DateTime', resolve: (task) => new Date(task.updatedAt) }),
    completedAt: t.field({ type: 'DateTime', nullable: true, resolve: (task) => time(task.completedAt) }),
  }),
});

export function notFoundError(): GraphQLError {
  return new GraphQLError('Task not found.', { extensions: { code: 'NOT_FOUND' } });
}

const PAGE_MAX = 100;

builder.queryFields((t) => ({
  task: t.field({
    type: TaskInterface,
    nullable: true,
    description: 'A task by id; null when it is unknown (or not yours).',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_, { id }, { service, caller }) => (await service.getTask(String(id), caller)) ?? null,
  }),
  tasks: t.connection(
    {
      type: TaskInterface,
      description: `Your tasks, newest first. At most ${PAGE_MAX} a page.`,
      args: {
        status: t.arg({ type: TaskStatusEnum, required: false }),
        kind: t.arg({ type: TaskKindEnum, required: false }),
      },
      resolve: async (_, args, { service, caller }) => {
        if (args.last != null || args.before != null) {
          throw new GraphQLError('Only forward paging (first, after) is supported.', {
            extensions: { code: 'BAD_USER_INPUT' },
          });
        }
        const first = Math.min(Math.max(args.first ?? 20, 0), PAGE_MAX);
        let page: TaskPage;
        try {
          page = await service.listTasks(
            { first, after: args.after ?? undefined, status: args.status ?? undefined, kind: args.kind ?? undefined },
            caller,
          );
        } catch (error) {
          if (error instanceof TypeError)
            throw new GraphQLError('Invalid cursor.', { extensions: { code: 'BAD_USER_INPUT' } });
          throw error;
        }
        return {
          edges: page.tasks.map((node, i) => ({ node, cursor: page.cursors[i] ?? '' })),
          pageInfo: {
            hasNextPage: page.hasNextPage,
            hasPreviousPage: args.after != null,
            startCursor: page.cursors[0] ?? null,
            endCursor: page.cursors.at(-1) ?? null,
          },
        };
      },
    },
    { name: 'TaskConnection' },
    { name: 'TaskEdge' },
  ),
}));

builder.subscriptionFields((t) => ({
  taskUpdated: t.field({
    type: TaskInterface,
    description: 'The task now, then every change; completes after COMPLETED or FAILED.',
    args: { id: t.arg.id({ required: true }) },
    subscribe: (_, { id }, { service, caller }) => watchOrNotFound(() => service.watch(String(id), caller)),
    resolve: (task) => task,
  }),
}));

/** Starts a watch; its expected refusals (unknown task, too many subscriptions) become coded GraphQL errors. */
export async function watchOrNotFound(watch: () => Promise<TaskWatch>): Promise<TaskWatch> {
  try {
    return await watch();
  } catch (error) {
    if (error instanceof ServiceError && error.code !== 'NOT_FOUND') {
      throw new GraphQLError(error.message, {
        extensions: {
          code: error.code,
          ...(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds }),
        },
      });
    }
    if (error instanceof ServiceError) throw notFoundError();
    throw error;
  }
}
