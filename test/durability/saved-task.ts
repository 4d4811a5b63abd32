import type { ImageTask, Task, VideoTask } from '../../src/tasks/task.js';

/** A task as a previous run left it in the store: a video submitted a minute ago, by default still processing. */
export function savedTask(fields: Partial<ImageTask | VideoTask> & Pick<Task, 'id'>): Task {
  const now = Date.now();
  return {
    kind: 'VIDEO',
    prompt: 'left over',
    revisedPrompt: null,
    model: null,
    aspect: 'PORTRAIT',
    bingRequestId: null,
    account: null,
    status: 'PROCESSING',
    images: [],
    video: null,
    mode: null,
    width: null,
    height: null,
    durationSeconds: null,
    error: null,
    errorCode: null,
    createdAt: now - 60_000,
    updatedAt: now - 60_000,
    completedAt: null,
    deadlineAt: now + 600_000,
    owner: null,
    ...fields,
  } as Task;
}
