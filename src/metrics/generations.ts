/**
 * The Generations port with the steps each generation reports (submitted, poll, retry, failed) counted on
 * their way to the service: the Bing client is not touched.
 */
import type { GenerationEvent, GenerationWatch, Generations } from '../tasks/generations.js';
import type { TaskKind } from '../tasks/task.js';
import type { Metrics } from './registry.js';

/** The code of a step's error, when it names one (the client's errors carry a stable `code`). */
function codeOf(event: GenerationEvent): string | undefined {
  const error = (event as { error?: { code?: unknown } }).error;
  return typeof error?.code === 'string' ? error.code : undefined;
}

export function countedGenerations(generations: Generations, metrics: Metrics): Generations {
  const counted = (kind: TaskKind, watch: GenerationWatch): GenerationWatch => ({
    ...watch,
    onEvent: (event) => {
      switch (event.type) {
        case 'submitted':
          metrics.submits.inc({ kind });
          break;
        case 'poll':
          metrics.polls.inc({ kind });
          break;
        case 'retry':
          metrics.retries.inc({ kind });
          metrics.upstreamErrors.inc({ code: codeOf(event) ?? 'UNKNOWN' });
          break;
        case 'failed':
          metrics.upstreamErrors.inc({ code: codeOf(event) ?? 'UNKNOWN' });
          break;
      }
      watch.onEvent?.(event);
    },
  });
  // Everything else (health, the accounts) passes through as it is.
  return {
    ...generations,
    submitImage: (input, watch) => generations.submitImage(input, counted('IMAGE', watch)),
    waitForImage: (input, submitted, watch) => generations.waitForImage(input, submitted, counted('IMAGE', watch)),
    submitVideo: (input, watch) => generations.submitVideo(input, counted('VIDEO', watch)),
    waitForVideo: (input, submitted, watch) => generations.waitForVideo(input, submitted, counted('VIDEO', watch)),
  };
}
