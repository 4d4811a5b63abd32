/**
 * The one validation of what callers send, shared by GraphQL and REST: prompts, model and aspect names
 * or numbers. Errors name the field and the values it accepts.
 */
import {
  IMAGE_ASPECT_NAMES,
  IMAGE_ASPECTS,
  IMAGE_MODEL_NAMES,
  IMAGE_MODELS,
  VIDEO_ASPECT_NAMES,
  VIDEO_ASPECTS,
  type ImageAspect,
  type ImageModel,
  type VideoAspect,
} from '../bing/protocol.js';
import { invalid } from './errors.js';

export interface ImageInput {
  prompt: string;
  model: ImageModel;
  aspect: ImageAspect;
}

export interface VideoInput {
  prompt: string;
  aspect: VideoAspect;
}

// C0 and C1 control characters; tabs and line breaks become spaces first.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

export function parsePrompt(value: unknown, maxLength: number): string {
  if (value === undefined || value === null) throw invalid('query', 'Missing required parameter: query (the prompt, a string).');
  if (typeof value !== 'string') throw invalid('query', 'Invalid parameter: query must be a string.');
  const prompt = value.replace(/[\t\r\n]+/g, ' ').replace(CONTROL, '').trim();
  if (prompt.length === 0) throw invalid('query', 'Invalid parameter: query must not be empty.');
  if (prompt.length > maxLength) {
    throw invalid('query', `Invalid parameter: query is ${prompt.length} characters long; the limit is ${maxLength}.`);
  }
  return prompt;
}

function byNameOrValue<Name extends string>(
  field: string,
  value: unknown,
  table: Record<Name, number>,
  names: readonly Name[],
  fallback: Name,
): Name {
  if (value === undefined || value === null || value === '') return fallback;
  const valid = `${names.map((name) => `${name} (${table[name]})`).join(', ')}`;
  const bad = () => invalid(field, `Invalid parameter: ${field} must be one of ${valid}.`);
  if (typeof value === 'string') {
    const upper = value.trim().toUpperCase() as Name;
    if (names.includes(upper)) return upper;
    if (!/^\d+$/.test(value.trim())) throw bad();
    value = Number(value.trim());
  }
  if (typeof value === 'number' && Number.isInteger(value)) {
    const name = names.find((candidate) => table[candidate] === value);
    if (name) return name;
  }
  throw bad();
}

const MODEL_VALUES = Object.fromEntries(IMAGE_MODEL_NAMES.map((n) => [n, IMAGE_MODELS[n].mdl])) as Record<ImageModel, number>;
const IMAGE_ASPECT_VALUES = Object.fromEntries(IMAGE_ASPECT_NAMES.map((n) => [n, IMAGE_ASPECTS[n].ar])) as Record<ImageAspect, number>;
const VIDEO_ASPECT_VALUES = Object.fromEntries(VIDEO_ASPECT_NAMES.map((n) => [n, VIDEO_ASPECTS[n].ar])) as Record<VideoAspect, number>;

export function parseImageInput(input: { query?: unknown; model?: unknown; aspect?: unknown }, maxPromptLength: number): ImageInput {
  return {
    prompt: parsePrompt(input.query, maxPromptLength),
    model: byNameOrValue('model', input.model, MODEL_VALUES, IMAGE_MODEL_NAMES, 'DALLE'),
    aspect: byNameOrValue('aspect', input.aspect, IMAGE_ASPECT_VALUES, IMAGE_ASPECT_NAMES, 'SQUARE'),
  };
}

export function parseVideoInput(input: { query?: unknown; aspect?: unknown }, maxPromptLength: number): VideoInput {
  return {
    prompt: parsePrompt(input.query, maxPromptLength),
    aspect: byNameOrValue('aspect', input.aspect, VIDEO_ASPECT_VALUES, VIDEO_ASPECT_NAMES, 'PORTRAIT'),
  };
}
