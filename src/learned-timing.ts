/**
 * Keeps what the poll schedule learned in the task store: loaded once at start, saved a moment after
 * it changes (one write for a burst of results, never on the poll's own path), and saved at a stop.
 */
import type { LearnedSchedule } from './bing/schedule.js';
import type { Logger } from './log.js';
import type { ScheduleStore } from './tasks/schedule-store.js';

export interface LearnedTiming {
  load(): Promise<void>;
  /** Stops watching and writes what is not saved yet. */
  flush(): Promise<void>;
}

export function keepLearnedTiming(
  schedule: LearnedSchedule,
  store: ScheduleStore,
  log: Logger,
  saveDelayMs: number,
): LearnedTiming {
  let timer: NodeJS.Timeout | undefined;
  let saving: Promise<void> = Promise.resolve();
  const save = (): void => {
    timer = undefined;
    const data = schedule.snapshot();
    saving = saving
      .then(() => store.saveSchedule(data))
      .catch((error: unknown) => log.warn({ err: error }, 'The learned poll timing could not be saved.'));
  };
  const unsubscribe = schedule.onChange(() => {
    if (timer) return;
    timer = setTimeout(save, saveDelayMs);
    timer.unref();
  });
  return {
    async load() {
      try {
        const data = await store.loadSchedule();
        if (data !== undefined) schedule.restore(data);
      } catch (error) {
        log.warn({ err: error }, 'The learned poll timing could not be loaded; the schedule starts from its priors.');
      }
    },
    async flush() {
      unsubscribe();
      if (timer) {
        clearTimeout(timer);
        save();
      }
      await saving;
    },
  };
}
