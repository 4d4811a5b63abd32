import {
  ERROR_CODES,
  IMAGE_ASPECT_NAMES,
  IMAGE_MODEL_NAMES,
  VIDEO_ASPECT_NAMES,
  VIDEO_MODES,
  VIDEO_MODE_NAMES,
} from '../tasks/task.js';
import { builder } from './builder.js';

export const ImageModelEnum = builder.enumType('ImageModel', {
  description: 'The image model Bing runs.',
  values: IMAGE_MODEL_NAMES,
});

export const ImageAspectEnum = builder.enumType('ImageAspect', {
  description: 'SQUARE 1:1, LANDSCAPE 7:4, PORTRAIT 4:7.',
  values: IMAGE_ASPECT_NAMES,
});

export const VideoAspectEnum = builder.enumType('VideoAspect', {
  values: VIDEO_ASPECT_NAMES,
});

export const VideoModeEnum = builder.enumType('VideoMode', {
  description: 'How Bing makes a video. Left open, FAST while the account has fast creations left, otherwise STANDARD.',
  values: Object.fromEntries(
    VIDEO_MODE_NAMES.map((mode) => [mode, { description: VIDEO_MODES[mode].description }]),
  ) as Record<'FAST' | 'STANDARD', { description: string }>,
});

export const TaskStatusEnum = builder.enumType('TaskStatus', {
  values: {
    QUEUED: { description: 'Waiting for a free generation slot on the Bing account.' },
    PROCESSING: { description: 'Submitted to Bing; waiting for the result.' },
    COMPLETED: {},
    FAILED: {},
  } as const,
});

export const TaskKindEnum = builder.enumType('TaskKind', { values: ['IMAGE', 'VIDEO'] as const });

export const ErrorCodeEnum = builder.enumType('ErrorCode', {
  values: ERROR_CODES,
});

export const SessionStateEnum = builder.enumType('SessionState', {
  description: 'ACTIVE: signed in. INACTIVE: not checked yet, or no cookie. EXPIRED: Bing showed the signed-out page.',
  values: { ACTIVE: { value: 'active' }, INACTIVE: { value: 'inactive' }, EXPIRED: { value: 'expired' } } as const,
});

export const UpstreamEnum = builder.enumType('Upstream', {
  values: {
    BING: { description: 'Bing Image Creator itself.' },
    SIMULATOR: { description: "The project's Bing simulator: nothing reaches Bing, and results are made up." },
  } as const,
});
