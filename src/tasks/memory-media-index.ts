import type { MediaEntry, MediaIndex } from './media.js';

/** The media index of the memory store: entries by task, and the owners of each file. */
export class MemoryMediaIndex implements MediaIndex {
  readonly #byTask = new Map<string, MediaEntry[]>();
  readonly #byName = new Map<string, MediaEntry[]>();

  async add(entry: MediaEntry): Promise<void> {
    const ofTask = this.#byTask.get(entry.taskId) ?? [];
    if (ofTask.some((e) => e.source === entry.source && e.name === entry.name)) return;
    const kept = { ...entry };
    this.#byTask.set(entry.taskId, [...ofTask.filter((e) => e.source !== entry.source), kept]);
    this.#byName.set(entry.name, [...(this.#byName.get(entry.name) ?? []), kept]);
  }

  async ofTask(taskId: string): Promise<Map<string, string>> {
    return new Map((this.#byTask.get(taskId) ?? []).map((e) => [e.source, e.name]));
  }

  async ownedBy(name: string, owner: string): Promise<boolean> {
    return (this.#byName.get(name) ?? []).some((e) => e.owner === owner);
  }

  async forget(name: string): Promise<void> {
    for (const entry of this.#byName.get(name) ?? []) {
      const rest = (this.#byTask.get(entry.taskId) ?? []).filter((e) => e.name !== name);
      if (rest.length === 0) this.#byTask.delete(entry.taskId);
      else this.#byTask.set(entry.taskId, rest);
    }
    this.#byName.delete(name);
  }

  /** Forgets the entries of deleted tasks. */
  dropTasks(taskIds: Iterable<string>): void {
    for (const id of taskIds) {
      for (const entry of this.#byTask.get(id) ?? []) {
        const rest = (this.#byName.get(entry.name) ?? []).filter((e) => e.taskId !== id);
        if (rest.length === 0) this.#byName.delete(entry.name);
        else this.#byName.set(entry.name, rest);
      }
      this.#byTask.delete(id);
    }
  }
}
