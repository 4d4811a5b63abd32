/**
 * The port the service drives generations through. The Bing client fills it (bing-generations.ts);
 * unit tests fill it with a fake. Failures are GenerationErrors; an abort through `signal` may reject
 * with anything.
 */
import type { AccountsView } from './accounts.js';
import type { ImageInput, VideoInput, VideoMode } from './task.js';

export type SessionState = 'active' | 'inactive' | 'expired';

/** The steps the service records; a source may report more, which the service ignores. */
export type GenerationEvent =
  | { type: 'submitted'; requestId: string; account: string; at: number; mode?: VideoMode | undefined }
  | { type: string };

export interface GenerationWatch {
  signal?: AbortSignal | undefined;
  onEvent?: ((event: GenerationEvent) => void) | undefined;
}

export interface Submitted {
  requestId: string;
  /** The fingerprint of the account it was submitted with: the same account must poll it. */
  account: string;
  submittedAt: number;
  /** Videos: the mode Bing took it in. */
  mode?: VideoMode | undefined;
}

export interface Resume extends Submitted {
  deadlineAt: number;
}

export interface ImageOutcome {
  images: string[];
  revisedPrompt: string | null;
}

export interface VideoOutcome {
  url: string;
  mode: VideoMode;
  width: number | null;
  height: number | null;
  durationSeconds: number | null;
}

export interface AccountBoosts {
  account: string;
  known: boolean;
  remaining: number | null;
}

export interface Generations {
  submitImage(input: ImageInput, watch: GenerationWatch): Promise<Submitted>;
  waitForImage(input: ImageInput, submitted: Resume, watch: GenerationWatch): Promise<ImageOutcome>;
  submitVideo(input: VideoInput, watch: GenerationWatch): Promise<Submitted>;
  waitForVideo(input: VideoInput, submitted: Resume, watch: GenerationWatch): Promise<VideoOutcome>;
  cookieSet(): boolean;
  session(): SessionState;
  /** Per account (by fingerprint): the free fast video creations left, null where Bing has not said. */
  videoAccounts(): Array<{ account: string; fastCreationsLeft: number | null }>;
  /** Per account (by fingerprint): whether the boosts left are known, and how many. */
  boosts(): AccountBoosts[];
  /** The accounts behind the generations, for the admin view and health; absent for a source without any. */
  accounts?: AccountsView | undefined;
}
