/**
 * Task changes, published once and read by every subscriber (GraphQL subscriptions, SSE, WebSocket).
 */
import { createPubSub } from '@graphql-yoga/subscription';
import { isTerminal, type Task } from './task.js';

export class TaskEvents {
  readonly #pubsub = createPubSub<{ task: [id: string, task: Task] }>();

  publish(task: Task): void {
    this.#pubsub.publish('task', task.id, task);
  }

  /**
   * The current state first, then every change, ending after a terminal state. `current` is read after
   * the subscription is open, so no change can fall between the two.
   */
  async *watch(id: string, current: () => Task | undefined): AsyncGenerator<Task> {
    const changes = this.#pubsub.subscribe('task', id);
    try {
      const first = current();
      if (!first) return;
      yield first;
      if (isTerminal(first.status)) return;
      let last = JSON.stringify(first);
      for await (const task of changes) {
        const seen = JSON.stringify(task);
        if (seen === last) continue;
        last = seen;
        yield task;
        if (isTerminal(task.status)) return;
      }
    } finally {
      await changes.return?.();
    }
  }
}
