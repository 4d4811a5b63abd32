/**
 * The video modes callers choose from: FAST spends one of the account's free fast creations, STANDARD
 * never does and takes much longer. Without a choice, the service picks FAST while fast creations remain.
 */
import { invalid } from './errors.js';

export const VIDEO_MODE_NAMES = ['FAST', 'STANDARD'] as const;
export type VideoMode = (typeof VIDEO_MODE_NAMES)[number];

export const VIDEO_MODE_DESCRIPTIONS: Record<VideoMode, string> = {
  FAST: 'Spends one of the account\'s free fast creations; a video in one to a few minutes.',
  STANDARD: 'Spends nothing; a video in minutes to hours.',
};

/** `fast` / `standard` in any case; undefined when the caller made no choice. */
export function parseVideoMode(value: unknown): VideoMode | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const upper = typeof value === 'string' ? value.trim().toUpperCase() : null;
  const mode = VIDEO_MODE_NAMES.find((name) => name === upper);
  if (!mode) throw invalid('mode', 'Invalid parameter: mode must be fast or standard (any case).');
  return mode;
}
