import type { BingErrorCode } from '../bing/errors.js';
import type { ImageAspect, ImageModel, VideoAspect } from '../bing/protocol.js';
import type { VideoMode } from './video-mode.js';

export type TaskKind = 'IMAGE' | 'VIDEO';
/** QUEUED: waiting for a free generation slot on the Bing account; nothing was sent to Bing yet. */
export type TaskStatus = 'QUEUED' | 'PROCESSING' | 'COMPLETED' | 'FAILED';

/** Bing's codes plus the two the service adds. */
export type ErrorCode = BingErrorCode | 'NOT_FOUND' | 'INTERNAL';

/** One generation, from request to result. Times are epoch milliseconds. */
export interface Task {
  id: string;
  kind: TaskKind;
  prompt: string;
  /** The prompt Bing rewrote (GPT-4o), when it gave one. */
  revisedPrompt: string | null;
  /** Image tasks only. */
  model: ImageModel | null;
  aspect: ImageAspect | VideoAspect;
  /** Bing's own id for the generation, known once the submit was accepted; what a restart resumes from. */
  bingRequestId: string | null;
  /** A fingerprint (not the value) of the cookie the generation was submitted with. */
  account: string | null;
  status: TaskStatus;
  images: string[];
  video: string | null;
  /** Video tasks: the mode Bing took it in (null until submitted, when the caller left the choice open). */
  mode: VideoMode | null;
  /** Video tasks, once COMPLETED, where Bing reported them. */
  width: number | null;
  height: number | null;
  durationSeconds: number | null;
  error: string | null;
  errorCode: ErrorCode | null;
  createdAt: number;
  updatedAt: number;
  completedAt: number | null;
  /** When the whole generation gives up with TIMEOUT. */
  deadlineAt: number;
  /** The API key (its id, never the key) that created the task; null when keys are off. */
  owner: string | null;
}

export function isTerminal(status: TaskStatus): boolean {
  return status === 'COMPLETED' || status === 'FAILED';
}
