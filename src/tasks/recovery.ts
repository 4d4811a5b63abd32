/**
 * Start-up recovery: a task a previous run left QUEUED or PROCESSING is resumed from its Bing id, or
 * failed with the reason. Never submits: without a Bing id it can only fail.
 */
import { ServiceError } from './errors.js';
import type { Resume } from './generations.js';
import type { TaskStore } from './store.js';
import type { Task } from './task.js';

export interface RecoveryHandlers {
  fail(task: Task, error: ServiceError): Promise<unknown>;
  resume(task: Task, submitted: Resume): void;
}

/** What start-up does with one unfinished task. */
export function recoveryOf(task: Task, now = Date.now()): { fail: ServiceError } | { resume: Resume } {
  if (!task.bingRequestId || !task.account) {
    const message =
      task.status === 'QUEUED'
        ? 'The server stopped while this generation waited for its turn. Nothing reached Bing; submit it again.'
        : 'The server stopped while submitting this generation, before Bing confirmed it. It may not have been created; submit it again.';
    return { fail: new ServiceError('UPSTREAM', message) };
  }
  if (now >= task.deadlineAt) {
    return { fail: new ServiceError('TIMEOUT', 'The generation passed its deadline while the server was down.') };
  }
  return {
    resume: {
      requestId: task.bingRequestId,
      account: task.account,
      submittedAt: task.createdAt,
      deadlineAt: task.deadlineAt,
    },
  };
}

export async function recover(store: TaskStore, handlers: RecoveryHandlers): Promise<void> {
  for (const task of await store.withStatus(['QUEUED', 'PROCESSING'])) {
    const next = recoveryOf(task);
    if ('fail' in next) await handlers.fail(task, next.fail);
    else handlers.resume(task, next.resume);
  }
}
