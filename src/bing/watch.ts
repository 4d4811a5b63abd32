import type { BingError } from './errors.js';
import type { VideoMode } from './video-protocol.js';

/** Each step of a generation, as it happens. */
export type GenerationEvent =
  | { type: 'submitted'; requestId: string; account: string; at: number; mode?: VideoMode | undefined }
  | { type: 'poll'; attempt: number; at: number }
  | { type: 'partial'; at: number }
  | { type: 'retry'; attempt: number; error: BingError; delayMs: number; at: number }
  | { type: 'completed'; at: number }
  | { type: 'failed'; error: BingError; at: number };

export interface Watch {
  signal?: AbortSignal | undefined;
  onEvent?: ((event: GenerationEvent) => void) | undefined;
}
