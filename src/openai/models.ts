/**
 * The OpenAI names the Images API accepts, each mapped to the project's own model, and the sizes mapped to
 * its aspects. The project's names (DALLE, GPT4O, MAI1) are accepted as they are.
 */
import { IMAGE_MODEL_NAMES, type ImageAspect, type ImageModel } from '../tasks/task.js';

export const MODEL_ALIASES: Readonly<Record<string, ImageModel>> = {
  'dall-e-3': 'DALLE',
  'gpt-image-1': 'GPT4O',
  ...Object.fromEntries(IMAGE_MODEL_NAMES.map((name) => [name, name])),
};

/** The most images one generation of the model returns: what `n` may ask for. */
export const MAX_IMAGES: Readonly<Record<ImageModel, number>> = { DALLE: 4, GPT4O: 1, MAI1: 1 };

export const SIZES: Readonly<Record<string, ImageAspect>> = {
  '1024x1024': 'SQUARE',
  '1792x1024': 'LANDSCAPE',
  '1536x1024': 'LANDSCAPE',
  '1024x1792': 'PORTRAIT',
  '1024x1536': 'PORTRAIT',
};

/** Models as GET /v1/models lists them; `created` is fixed, the models do not change while the server runs. */
export const MODEL_LIST = Object.keys(MODEL_ALIASES).map((id) => ({
  id,
  object: 'model' as const,
  created: 1_700_000_000,
  owned_by: 'bing-image-creator',
}));
