/**
 * Where the poll schedule's learned timing lives between restarts, beside the tasks: plain JSON data
 * the tasks layer stores without reading it (its shape belongs to the Bing client).
 */
export interface ScheduleStore {
  /** The last saved data, or undefined when none was saved yet. */
  loadSchedule(): Promise<unknown>;
  saveSchedule(data: unknown): Promise<void>;
}

export function isScheduleStore(store: object): store is ScheduleStore {
  const s = store as Partial<ScheduleStore>;
  return typeof s.loadSchedule === 'function' && typeof s.saveSchedule === 'function';
}
