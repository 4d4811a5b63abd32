import type { Database, Statement } from 'better-sqlite3';
import type { MediaEntry, MediaIndex } from './media.js';

/** The media index in the task database's `media` table (migration 4); a trigger drops a deleted task's rows. */
export class SqliteMediaIndex implements MediaIndex {
  readonly #add: Statement<[MediaEntry & { at: number }]>;
  readonly #ofTask: Statement<[string], { source: string; name: string }>;
  readonly #ownedBy: Statement<[string, string], number>;
  readonly #forget: Statement<[string]>;

  constructor(db: Database) {
    this.#add = db.prepare(
      `INSERT INTO media (task_id, source, name, owner, created_at) VALUES (@taskId, @source, @name, @owner, @at)
       ON CONFLICT (task_id, source) DO UPDATE SET name = excluded.name, owner = excluded.owner`,
    );
    this.#ofTask = db.prepare('SELECT source, name FROM media WHERE task_id = ?');
    this.#ownedBy = db
      .prepare<[string, string], number>('SELECT 1 FROM media WHERE name = ? AND owner = ? LIMIT 1')
      .pluck();
    this.#forget = db.prepare('DELETE FROM media WHERE name = ?');
  }

  async add(entry: MediaEntry): Promise<void> {
    this.#add.run({ ...entry, at: Date.now() });
  }

  async ofTask(taskId: string): Promise<Map<string, string>> {
    return new Map(this.#ofTask.all(taskId).map((row) => [row.source, row.name]));
  }

  async ownedBy(name: string, owner: string): Promise<boolean> {
    return this.#ownedBy.get(name, owner) !== undefined;
  }

  async forget(name: string): Promise<void> {
    this.#forget.run(name);
  }
}
