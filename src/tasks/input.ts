/**
 * The one validation of what callers send, shared by GraphQL and REST: prompts, model and aspect names
 * or numbers. Errors name the field and the values it accepts.
 */
import { invalid } from './errors.js';
import { OPTIONS } from './options.js';
import {
  DEFAULT_IMAGE_ASPECT,
  DEFAULT_IMAGE_MODEL,
  DEFAULT_VIDEO_ASPECT,
  type ImageAspect,
  type ImageInput,
  type ImageModel,
  type VideoAspect,
  type VideoInput,
} from './task.js';

import { parseVideoMode } from './video-mode.js';

export type { ImageInput, VideoInput };

// C0 and C1 control characters; tabs and line breaks become spaces first.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

const LONE_SURROGATE = /\p{Cs}/u;

export function parsePrompt(value: unknown, maxLength: number): string {
  if (value === undefined || value === null)
    throw invalid('query', 'Missing required parameter: query (the prompt, a string).');
  if (typeof value !== 'string') throw invalid('query', 'Invalid parameter: query must be a string.');
  // A lone UTF-16 surrogate (JSON's "\ud800", for instance) is no text at all: nothing invalid reaches Bing.
  if (LONE_SURROGATE.test(value)) {
    throw invalid('query', 'Invalid parameter: query must be valid Unicode text; it holds a lone surrogate.');
  }
  const prompt = value
    .replace(/[\t\r\n]+/g, ' ')
    .replace(CONTROL, '')
    .trim();
  if (prompt.length === 0) throw invalid('query', 'Invalid parameter: query must not be empty.');
  if (prompt.length > maxLength) {
    throw invalid('query', `Invalid parameter: query is ${prompt.length} characters long; the limit is ${maxLength}.`);
  }
  return prompt;
}

/** One of `choices`, by its name in any case or by its value (a number or a numeric string). */
function byNameOrValue<Name extends string>(
  field: string,
  value: unknown,
  choices: ReadonlyArray<{ id: Name; value: number }>,
  fallback: Name,
): Name {
  if (value === undefined || value === null || value === '') return fallback;
  const valid = choices.map((choice) => `${choice.id} (${choice.value})`).join(', ');
  const bad = () => invalid(field, `Invalid parameter: ${field} must be one of ${valid}.`);
  if (typeof value === 'string') {
    const upper = value.trim().toUpperCase();
    const named = choices.find((choice) => choice.id === upper);
    if (named) return named.id;
    if (!/^\d+$/.test(value.trim())) throw bad();
    value = Number(value.trim());
  }
  if (typeof value === 'number' && Number.isInteger(value)) {
    const numbered = choices.find((choice) => choice.value === value);
    if (numbered) return numbered.id;
  }
  throw bad();
}

export function parseImageInput(
  input: { query?: unknown; model?: unknown; aspect?: unknown },
  maxPromptLength: number,
): ImageInput {
  return {
    prompt: parsePrompt(input.query, maxPromptLength),
    model: byNameOrValue<ImageModel>('model', input.model, OPTIONS.models, DEFAULT_IMAGE_MODEL),
    aspect: byNameOrValue<ImageAspect>('aspect', input.aspect, OPTIONS.aspects, DEFAULT_IMAGE_ASPECT),
  };
}

export function parseVideoInput(
  input: { query?: unknown; aspect?: unknown; mode?: unknown },
  maxPromptLength: number,
): VideoInput {
  const mode = parseVideoMode(input.mode);
  return {
    prompt: parsePrompt(input.query, maxPromptLength),
    aspect: byNameOrValue<VideoAspect>('aspect', input.aspect, OPTIONS.videoAspects, DEFAULT_VIDEO_ASPECT),
    ...(mode ? { mode } : {}),
  };
}
