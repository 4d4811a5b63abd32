import type { Task, VideoTask as VideoTaskShape } from '../tasks/task.js';
import { builder } from './builder.js';
import { VideoAspectEnum, VideoModeEnum } from './enums.js';
import { GENERATION_ERRORS, asResult } from './errors.js';
import { TaskInterface, watchOrNotFound } from './task.js';

export const VideoTask = builder.objectRef<VideoTaskShape>('VideoTask').implement({
  interfaces: [TaskInterface],
  isTypeOf: (task) => (task as Task).kind === 'VIDEO',
  fields: (t) => ({
    video: t.string({ nullable: true, description: 'The video URL once COMPLETED.', resolve: (task) => task.video }),
    mirrorUrl: t.string({
      nullable: true,
      description:
        "The server's own copy of the video (a path on this server, /media/<sha256>.mp4), with MEDIA_MIRROR on and once it is downloaded; null until then, when the download failed, or when the mirror is off.",
      resolve: async (task, _, { service }) => (await service.mirrorsOf(task))?.[0] ?? null,
    }),
    aspect: t.field({ type: VideoAspectEnum, resolve: (task) => task.aspect }),
    mode: t.field({
      type: VideoModeEnum,
      nullable: true,
      description: 'The mode Bing took the video in; null while a video whose mode was left open waits for its turn.',
      resolve: (task) => task.mode,
    }),
    width: t.int({
      nullable: true,
      description: 'The video width in pixels, where Bing reported it.',
      resolve: (task) => task.width,
    }),
    height: t.int({
      nullable: true,
      description: 'The video height in pixels, where Bing reported it.',
      resolve: (task) => task.height,
    }),
    durationSeconds: t.float({
      nullable: true,
      description: 'The video length in seconds, where Bing reported it.',
      resolve: (task) => task.durationSeconds,
    }),
  }),
});

const VideoImageInput = builder.inputType('VideoImageInput', {
  description:
    'The image to animate: exactly one of `base64` (PNG, JPEG or WebP, at most MAX_IMAGE_BYTES) or `url` (a Bing image URL this server returned, or any https URL with VIDEO_IMAGE_FETCH=any).',
  fields: (t) => ({
    base64: t.string({ required: false, description: 'The image bytes, base64 (a data: URL is accepted too).' }),
    url: t.string({ required: false, description: 'Where the server fetches the image from.' }),
  }),
});

const CreateVideoInput = builder.inputType('CreateVideoInput', {
  fields: (t) => ({
    query: t.string({ required: true, description: 'The prompt.' }),
    aspect: t.field({ type: VideoAspectEnum, defaultValue: 'PORTRAIT' }),
    mode: t.field({
      type: VideoModeEnum,
      required: false,
      description: 'Left out: FAST while the Bing account has fast creations left, otherwise STANDARD.',
    }),
    image: t.field({ type: VideoImageInput, required: false, description: 'Animate this image (image-to-video).' }),
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
