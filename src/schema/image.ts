import type { ImageTask, Task } from '../tasks/task.js';
import { builder } from './builder.js';
import type { GraphQLContext } from './context.js';
import { ImageAspectEnum, ImageModelEnum } from './enums.js';
import { GENERATION_ERRORS, asResult } from './errors.js';
import { TaskInterface } from './task.js';

export const ImageType = builder.simpleObject('Image', {
  fields: (t) => ({
    url: t.string({ description: 'A full-resolution image on Bing.' }),
    mirrorUrl: t.string({
      nullable: true,
      description:
        "The server's own copy of the image (a path on this server, /media/<sha256>.<ext>), with MEDIA_MIRROR on and once it is downloaded; null until then, when the download failed, or when the mirror is off.",
    }),
  }),
});

const imageList = (task: ImageTask, mirrors: Array<string | null> | undefined) =>
  task.images.map((url, i) => ({ url, mirrorUrl: mirrors?.[i] ?? null }));

// Synchronous without the mirror: the whole task read then runs without a promise.
const images = (task: ImageTask, _: unknown, { service }: GraphQLContext) => {
  const mirrors = service.mirrorsOf(task);
  return mirrors ? mirrors.then((found) => imageList(task, found)) : imageList(task, undefined);
};

builder.objectRef<ImageTask>('ImageTask').implement({
  interfaces: [TaskInterface],
  isTypeOf: (task) => (task as Task).kind === 'IMAGE',
  fields: (t) => ({
    images: t.field({ type: [ImageType], resolve: images }),
    revisedPrompt: t.string({
      nullable: true,
      description: 'The prompt as Bing rewrote it, when it did.',
      resolve: (task) => task.revisedPrompt,
    }),
    model: t.field({ type: ImageModelEnum, resolve: (task) => task.model }),
    aspect: t.field({ type: ImageAspectEnum, resolve: (task) => task.aspect }),
  }),
});

const ImageGeneration = builder.objectRef<ImageTask>('ImageGeneration').implement({
  description: 'The images of a finished generation.',
  fields: (t) => ({
    images: t.field({ type: [ImageType], resolve: images }),
    prompt: t.string({
      description: 'The revised prompt when Bing gave one, else the prompt sent.',
      resolve: (task) => task.revisedPrompt ?? task.prompt,
    }),
    model: t.field({ type: ImageModelEnum, resolve: (task) => task.model }),
    aspect: t.field({ type: ImageAspectEnum, resolve: (task) => task.aspect }),
    taskId: t.id({
      description: 'The task that recorded this generation: `task(id)` finds it later.',
      resolve: (task) => task.id,
    }),
  }),
});

const CreateImageInput = builder.inputType('CreateImageInput', {
  fields: (t) => ({
    query: t.string({ required: true, description: 'The prompt.' }),
    model: t.field({ type: ImageModelEnum, defaultValue: 'DALLE' }),
    aspect: t.field({ type: ImageAspectEnum, defaultValue: 'SQUARE' }),
  }),
});

builder.mutationField('createImage', (t) =>
  t.field({
    type: ImageGeneration,
    description: 'Generates images and waits for them (5-70 s depending on the model).',
    args: { input: t.arg({ type: CreateImageInput, required: true }) },
    errors: { types: GENERATION_ERRORS, union: { name: 'CreateImageResult' } },
    resolve: (_, { input }, { service, caller }) => asResult(() => service.createImage(input, caller)),
  }),
);
