import { OPTIONS } from '../tasks/options.js';
import { builder } from './builder.js';
import { ImageAspectEnum, ImageModelEnum, VideoAspectEnum } from './enums.js';

const ModelOption = builder.simpleObject('ModelOption', {
  fields: (t) => ({
    id: t.field({ type: ImageModelEnum }),
    value: t.int({ description: "Bing's `mdl` code; REST accepts it in place of the name." }),
    description: t.string(),
  }),
});

const AspectOption = builder.simpleObject('AspectOption', {
  fields: (t) => ({
    id: t.field({ type: ImageAspectEnum }),
    value: t.int({ description: "Bing's `ar` code; REST accepts it in place of the name." }),
    ratio: t.string(),
  }),
});

const VideoAspectOption = builder.simpleObject('VideoAspectOption', {
  fields: (t) => ({
    id: t.field({ type: VideoAspectEnum }),
    value: t.int(),
  }),
});

const Options = builder.simpleObject('Options', {
  fields: (t) => ({
    models: t.field({ type: [ModelOption] }),
    aspects: t.field({ type: [AspectOption] }),
    videoAspects: t.field({ type: [VideoAspectOption] }),
  }),
});

builder.queryField('options', (t) => t.field({ type: Options, resolve: () => OPTIONS }));
