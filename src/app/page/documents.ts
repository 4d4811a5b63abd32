/**
 * The GraphQL documents the page sends, and the shapes of their answers. Plain strings with no browser or
 * server dependency: a test validates every one of them against the schema.
 */

/** The media the gallery shows: the mirrored copy first when MEDIA_MIRROR is on (see `imageSource`/`videoSource`). */
export const IMAGE_MEDIA_FIELDS = 'url mirrorUrl';
export const VIDEO_MEDIA_FIELDS = 'video mirrorUrl';

export const TASK_FIELDS = `
fragment TaskCard on Task {
  __typename
  id
  kind
  status
  prompt
  error
  errorCode
  createdAt
  completedAt
  ... on ImageTask { model aspect revisedPrompt images { ${IMAGE_MEDIA_FIELDS} } }
  ... on VideoTask { videoAspect: aspect mode ${VIDEO_MEDIA_FIELDS} width height durationSeconds }
}`;

export const OPTIONS_QUERY = `
query PageOptions {
  options {
    models { id description }
    aspects { id ratio }
    videoAspects { id }
  }
}`;

export const GALLERY_QUERY = `
query Gallery($first: Int!, $after: String) {
  tasks(first: $first, after: $after) {
    edges { node { ...TaskCard } }
    pageInfo { hasNextPage endCursor }
  }
}
${TASK_FIELDS}`;

export const CREATE_IMAGE = `
mutation PageCreateImage($input: CreateImageInput!) {
  createImage(input: $input) {
    __typename
    ... on ImageGeneration { taskId }
    ... on Error { code message }
    ... on RateLimitedError { retryAfterSeconds }
  }
}`;

export const CREATE_VIDEO = `
mutation PageCreateVideo($input: CreateVideoInput!) {
  createVideo(input: $input) {
    __typename
    ... on VideoTask { ...TaskCard }
    ... on Error { code message }
    ... on RateLimitedError { retryAfterSeconds }
  }
}
${TASK_FIELDS}`;

export const VIDEO_UPDATES = `
subscription PageVideoProgress($id: ID!) {
  videoTaskUpdated(id: $id) { ...TaskCard }
}
${TASK_FIELDS}`;

export const TASK_UPDATES = `
subscription PageTaskProgress($id: ID!) {
  taskUpdated(id: $id) { ...TaskCard }
}
${TASK_FIELDS}`;

export const ALL_DOCUMENTS = {
  OPTIONS_QUERY,
  GALLERY_QUERY,
  CREATE_IMAGE,
  CREATE_VIDEO,
  VIDEO_UPDATES,
  TASK_UPDATES,
};

export type TaskStatus = 'QUEUED' | 'PROCESSING' | 'COMPLETED' | 'FAILED';

export interface MediaImage {
  url: string;
  mirrorUrl?: string | null;
}

interface TaskBase {
  id: string;
  status: TaskStatus;
  prompt: string;
  error: string | null;
  errorCode: string | null;
  createdAt: string;
  completedAt: string | null;
}

export interface ImageTask extends TaskBase {
  __typename: 'ImageTask';
  kind: 'IMAGE';
  model: string;
  aspect: string;
  revisedPrompt: string | null;
  images: MediaImage[];
}

export interface VideoTask extends TaskBase {
  __typename: 'VideoTask';
  kind: 'VIDEO';
  /** Aliased: ImageTask.aspect and VideoTask.aspect are different enums, which one selection cannot merge. */
  videoAspect: string;
  mode: 'FAST' | 'STANDARD' | null;
  video: string | null;
  mirrorUrl?: string | null;
  width: number | null;
  height: number | null;
  durationSeconds: number | null;
}

export type Task = ImageTask | VideoTask;

export interface Failure {
  __typename: string;
  code: string;
  message: string;
  retryAfterSeconds?: number | null;
}

export interface Options {
  options: {
    models: Array<{ id: string; description: string }>;
    aspects: Array<{ id: string; ratio: string }>;
    videoAspects: Array<{ id: string }>;
  };
}

export interface TaskPage {
  tasks: {
    edges: Array<{ node: Task }>;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

export interface CreatedImage {
  createImage: { __typename: 'ImageGeneration'; taskId: string } | Failure;
}

export interface CreatedVideo {
  createVideo: VideoTask | Failure;
}

export const imageSource = (image: MediaImage): string => image.mirrorUrl ?? image.url;
export const videoSource = (task: VideoTask): string | null => task.mirrorUrl ?? task.video;
