/** Errors and durations in words, for people. */

/**
 * What to do on this page, after the server's own sentence (which already says what went wrong and, for
 * Bing's failures, what to try): only for the failures the visitor fixes here.
 */
const ADVICE: Record<string, string> = {
  UNAUTHENTICATED: 'Enter a valid API key above.',
  CONNECTION: 'Check that the server is running.',
};

export function errorInWords(code: string | null, message: string | null, retryAfterSeconds?: number | null): string {
  const parts = [message?.trim() || 'The task failed.'];
  const advice = code ? ADVICE[code] : undefined;
  if (advice) parts.push(advice);
  if (retryAfterSeconds) parts.push(`Try again in ${duration(retryAfterSeconds * 1000)}.`);
  return parts.join(' ');
}

export function duration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

const MODEL_NAMES: Record<string, string> = { DALLE: 'DALL-E 3', GPT4O: 'GPT-4o', MAI1: 'MAI-Image-1' };

export const modelName = (model: string): string => MODEL_NAMES[model] ?? model;

export const aspectName = (aspect: string): string => aspect.charAt(0) + aspect.slice(1).toLowerCase();
