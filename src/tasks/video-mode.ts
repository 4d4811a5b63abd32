/** The `mode` of a video request, read: FAST or STANDARD in any case, or no choice at all. */
import { invalid } from './errors.js';
import { VIDEO_MODE_NAMES, type VideoMode } from './task.js';

/** `fast` / `standard` in any case; undefined when the caller made no choice. */
export function parseVideoMode(value: unknown): VideoMode | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const upper = typeof value === 'string' ? value.trim().toUpperCase() : null;
  const mode = VIDEO_MODE_NAMES.find((name) => name === upper);
  if (!mode) throw invalid('mode', 'Invalid parameter: mode must be fast or standard (any case).');
  return mode;
}
