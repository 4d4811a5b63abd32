import {
  IMAGE_ASPECT_NAMES,
  IMAGE_ASPECTS,
  IMAGE_MODEL_NAMES,
  IMAGE_MODELS,
  VIDEO_ASPECT_NAMES,
  VIDEO_ASPECTS,
} from './task.js';

/** What callers may choose, as the REST `/options` route and the GraphQL `options` field show it. */
export const OPTIONS = {
  models: IMAGE_MODEL_NAMES.map((id) => ({
    id,
    value: IMAGE_MODELS[id].value,
    description: IMAGE_MODELS[id].description,
  })),
  aspects: IMAGE_ASPECT_NAMES.map((id) => ({ id, value: IMAGE_ASPECTS[id].value, ratio: IMAGE_ASPECTS[id].ratio })),
  videoAspects: VIDEO_ASPECT_NAMES.map((id) => ({ id, value: VIDEO_ASPECTS[id].value })),
};
