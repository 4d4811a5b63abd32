/**
 * The task events with each generation's end counted as it is published: by kind, model and outcome,
 * with its duration. Only the process that publishes the end counts it.
 */
import type { TaskEvents } from '../tasks/events.js';
import { isTerminal, type Task } from '../tasks/task.js';
import type { Metrics } from './registry.js';

function labelsOf(task: Task): { kind: string; model: string; outcome: string } {
  return {
    kind: task.kind,
    model: task.kind === 'IMAGE' ? task.model : (task.mode ?? 'UNKNOWN'),
    outcome: task.status === 'COMPLETED' ? 'COMPLETED' : (task.errorCode ?? 'INTERNAL'),
  };
}

export function countedEvents(events: TaskEvents, metrics: Metrics): TaskEvents {
  /** Ends already counted, in case a store publishes a terminal state twice; forgotten as they age. */
  const counted = new Set<string>();
  return {
    publish(task) {
      if (isTerminal(task.status) && !counted.has(task.id)) {
        counted.add(task.id);
        if (counted.size > 10_000) counted.delete(counted.values().next().value as string);
        const labels = labelsOf(task);
        metrics.generations.inc(labels);
        const end = task.completedAt ?? task.updatedAt;
        metrics.duration.observe(labels, Math.max(0, end - task.createdAt) / 1000);
      }
      return events.publish(task);
    },
    subscribe: (id) => events.subscribe(id),
    close: () => events.close(),
  };
}
