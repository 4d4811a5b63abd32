import type { Task, VideoTask as VideoTaskShape } from '../tasks/task.js';
import { builder } from './builder.js';
import { VideoAspectEnum } from './enums.js';
import { GENERATION_ERRORS, asResult } from './errors.js';
import { TaskInterface, watchOrNotFound } from './task.js';

export const VideoTask = builder.objectRef<VideoTaskShape>('VideoTask').implement({
  interfaces: [TaskInterface],
  isTypeOf: (task) => (task as Task).kind === 'VIDEO',
  fields: (t) => ({
    video: t.string({ nullable: true, description: 'The video URL once COMPLETED.', resolve: (task) => task.video }),
    aspect: t.field({ type: VideoAspectEnum, resolve: (task) => task.aspect }),
  }),
});

const CreateVideoInput = builder.inputType('CreateVideoInput', {
  fields: (t) => ({
    query: t.string({ required: true, description: 'The prompt.' }),
    aspect: t.field({ type: VideoAspectEnum, defaultValue: 'PORTRAIT' }),
  }),
});

builder.mutationField('createVideo', (t) =>
  t.field({
    type: VideoTask,
    description: 'Submits a video and returns its task at once; follow it with `videoTaskUpdated`.',
    args: { input: t.arg({ type: CreateVideoInput, required: true }) },
    errors: { types: GENERATION_ERRORS, union: { name: 'CreateVideoResult' } },
    resolve: (_, { input }, { service, caller }) => asResult(() => service.createVideo(input, caller)),
  }),
);

builder.subscriptionField('videoTaskUpdated', (t) =>
  t.field({
    type: VideoTask,
    description: 'The video task now, then every change; completes after COMPLETED or FAILED.',
    args: { id: t.arg.id({ required: true }) },
    subscribe: (_, { id }, { service, caller }) => watchOrNotFound(() => service.watch(String(id), caller, 'VIDEO')),
    resolve: (task) => task as VideoTaskShape,
  }),
);
