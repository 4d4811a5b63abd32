/** Errors and durations in words, for people. */

/** What to do about each kind of failure, after the server's own sentence. */
const ADVICE: Record<string, string> = {
  PROMPT_REJECTED: 'Bing refused this prompt: try wording it differently.',
  UNSUPPORTED_LANGUAGE: 'Bing does not take prompts in this language yet: try English.',
  RATE_LIMITED: 'Wait a little and try again.',
  AUTH: "The server's Bing cookie needs renewing (see the README).",
  TIMEOUT: 'Bing took too long: try again.',
  UPSTREAM: 'Bing failed: try again shortly.',
  UNAVAILABLE: 'The server cannot take work right now: try again shortly.',
  INVALID_REQUEST: 'Check the prompt and the options.',
  UNAUTHENTICATED: 'Enter a valid API key above.',
  CONNECTION: 'Check that the server is running.',
  INTERNAL: 'Something went wrong inside the server: try again.',
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
