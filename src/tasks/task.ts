/**
 * The public words every view speaks: kinds, statuses, error codes, models, aspects, the caller, and the
 * task itself. Views import them from here, never from the Bing client.
 */

export type TaskKind = 'IMAGE' | 'VIDEO';
/** QUEUED: waiting for a free generation slot on the Bing account; nothing was sent to Bing yet. */
export type TaskStatus = 'QUEUED' | 'PROCESSING' | 'COMPLETED' | 'FAILED';

/** Every way a request or a generation can fail, as a stable code callers can switch on. */
export const ERROR_CODES = [
  'INVALID_REQUEST',
  'AUTH',
  'PROMPT_REJECTED',
  'UNSUPPORTED_LANGUAGE',
  'RATE_LIMITED',
  'UPSTREAM',
  'TIMEOUT',
  'NOT_FOUND',
  'INTERNAL',
  /** Cluster mode: the shared Redis cannot be reached; nothing was sent to Bing. */
  'UNAVAILABLE',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The image models, with the number REST also accepts for each (Bing's `mdl`). */
export const IMAGE_MODELS = {
  DALLE: { value: 0, description: 'DALL-E 3: up to four images, about 5-15 s' },
  GPT4O: { value: 1, description: 'GPT-4o: one image, about 20-70 s' },
  MAI1: { value: 4, description: 'MAI-Image-1: one image, about 20-70 s' },
} as const;
export type ImageModel = keyof typeof IMAGE_MODELS;
export const IMAGE_MODEL_NAMES = Object.keys(IMAGE_MODELS) as ImageModel[];

/** The image aspects, with the number REST also accepts for each (Bing's `ar`). */
export const IMAGE_ASPECTS = {
  SQUARE: { value: 1, ratio: '1:1' },
  LANDSCAPE: { value: 2, ratio: '7:4' },
  PORTRAIT: { value: 3, ratio: '4:7' },
} as const;
export type ImageAspect = keyof typeof IMAGE_ASPECTS;
export const IMAGE_ASPECT_NAMES = Object.keys(IMAGE_ASPECTS) as ImageAspect[];

export const VIDEO_ASPECTS = {
  PORTRAIT: { value: 4 },
  LANDSCAPE: { value: 5 },
} as const;
export type VideoAspect = keyof typeof VIDEO_ASPECTS;
export const VIDEO_ASPECT_NAMES = Object.keys(VIDEO_ASPECTS) as VideoAspect[];

/** How Bing makes a video. Left open, the service picks FAST while the account has fast creations left. */
export const VIDEO_MODES = {
  FAST: { description: "Spends one of the account's free fast creations; a video in one to a few minutes." },
  STANDARD: { description: 'Spends nothing; a video in minutes to hours.' },
} as const;
export type VideoMode = keyof typeof VIDEO_MODES;
export const VIDEO_MODE_NAMES = Object.keys(VIDEO_MODES) as VideoMode[];

export const DEFAULT_IMAGE_MODEL: ImageModel = 'DALLE';
export const DEFAULT_IMAGE_ASPECT: ImageAspect = 'SQUARE';
export const DEFAULT_VIDEO_ASPECT: VideoAspect = 'PORTRAIT';

/** What a caller asks for, validated. */
export interface ImageInput {
  prompt: string;
  model: ImageModel;
  aspect: ImageAspect;
}

export interface VideoInput {
  prompt: string;
  aspect: VideoAspect;
  /** Absent: fast while fast creations remain, standard otherwise. */
  mode?: VideoMode | undefined;
  /** Image-to-video: the source image, checked (video-image.ts), as base64. */
  imageBase64?: string | undefined;
}

/** Who is asking: the owner recorded on new tasks and required on reads, and who the limits count against. */
export interface Caller {
  owner: string | null;
  /** The name per-caller limits use: the owner, or the client's address when keys are off. */
  client?: string;
  /**
   * The admin view (the Bing accounts): granted to an admin key, or without admin keys to a loopback
   * caller; `missing` when an admin key is needed and none (valid) came; `forbidden` otherwise.
   */
  admin?: 'granted' | 'missing' | 'forbidden';
}

/** What every generation has, whatever its kind. Times are epoch milliseconds. */
interface TaskBase {
  id: string;
  prompt: string;
  /** Bing's own id for the generation, known once the submit was accepted; what a restart resumes from. */
  bingRequestId: string | null;
  /** A fingerprint (not the value) of the cookie the generation was submitted with. */
  account: string | null;
  status: TaskStatus;
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

export interface ImageTask extends TaskBase {
  kind: 'IMAGE';
  model: ImageModel;
  aspect: ImageAspect;
  images: string[];
  /** The prompt Bing rewrote (GPT-4o), when it gave one. */
  revisedPrompt: string | null;
}

export interface VideoTask extends TaskBase {
  kind: 'VIDEO';
  aspect: VideoAspect;
  video: string | null;
  /** The mode Bing took it in; null until submitted when the caller left the choice open. */
  mode: VideoMode | null;
  /** Once COMPLETED, where Bing reported them. */
  width: number | null;
  height: number | null;
  durationSeconds: number | null;
}

/** One generation, from request to result. */
export type Task = ImageTask | VideoTask;

/** What a step of a generation may change. */
export type TaskChange = Partial<Omit<TaskBase, 'id' | 'createdAt'>> &
  Partial<Pick<ImageTask, 'images' | 'revisedPrompt'>> &
  Partial<Pick<VideoTask, 'video' | 'mode' | 'width' | 'height' | 'durationSeconds'>>;

export function isTerminal(status: TaskStatus): boolean {
  return status === 'COMPLETED' || status === 'FAILED';
}
