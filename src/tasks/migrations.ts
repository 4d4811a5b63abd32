import type { Database } from 'better-sqlite3';

/**
 * The task database's schema, as an ordered list of steps. `PRAGMA user_version` records how many
 * have run. Never edit a shipped step: append a new one.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: the tasks table. Times are epoch milliseconds; images is a JSON array of URLs.
  `CREATE TABLE tasks (
     id              TEXT PRIMARY KEY,
     kind            TEXT NOT NULL,
     prompt          TEXT NOT NULL,
     revised_prompt  TEXT,
     model           TEXT,
     aspect          TEXT NOT NULL,
     bing_request_id TEXT,
     account         TEXT,
     status          TEXT NOT NULL,
     images          TEXT NOT NULL DEFAULT '[]',
     video           TEXT,
     error           TEXT,
     error_code      TEXT,
     created_at      INTEGER NOT NULL,
     updated_at      INTEGER NOT NULL,
     completed_at    INTEGER,
     deadline_at     INTEGER NOT NULL,
     owner           TEXT
   ) STRICT;
   CREATE INDEX tasks_created ON tasks (created_at DESC, id DESC);
   CREATE INDEX tasks_status ON tasks (status, created_at, id);
   -- Finished tasks in the order the sweep and the cap delete them. Partial, so it holds only
   -- deletable rows; queries name it with INDEXED BY because without ANALYZE statistics the
   -- planner prefers tasks_status and sorts.
   CREATE INDEX tasks_finished ON tasks (completed_at, created_at, id)
     WHERE status IN ('COMPLETED', 'FAILED');
   CREATE INDEX tasks_owner ON tasks (owner);`,

  // 2: a caller's "my tasks" page filters by owner and orders by time; serve it straight from the
  // index instead of sorting that owner's rows.
  `DROP INDEX tasks_owner;
   CREATE INDEX tasks_owner_created ON tasks (owner, created_at DESC, id DESC);`,

  // 3: videos: the mode Bing took each in, and the file's size and length where Bing reported them.
  `ALTER TABLE tasks ADD COLUMN mode TEXT;
   ALTER TABLE tasks ADD COLUMN width INTEGER;
   ALTER TABLE tasks ADD COLUMN height INTEGER;
   ALTER TABLE tasks ADD COLUMN duration_seconds REAL;`,

  // 4: the media mirror's index: which mirrored file (by name, its SHA-256) stands for which URL of
  // which task, with the task's owner for the privacy check. A deleted task takes its rows along.
  `CREATE TABLE media (
     task_id    TEXT NOT NULL,
     source     TEXT NOT NULL,
     name       TEXT NOT NULL,
     owner      TEXT,
     created_at INTEGER NOT NULL,
     PRIMARY KEY (task_id, source)
   ) STRICT;
   CREATE INDEX media_name ON media (name, owner);
   CREATE TRIGGER tasks_media_gone AFTER DELETE ON tasks BEGIN
     DELETE FROM media WHERE task_id = old.id;
   END;`,

  // 5: what the poll schedule learned (one JSON document per name), so that a restart keeps it.
  `CREATE TABLE schedule (
     name       TEXT PRIMARY KEY,
     data       TEXT NOT NULL,
     updated_at INTEGER NOT NULL
   ) STRICT;`,

  // 6: what the account pool remembers of each Bing account (state, cool-down, today's counts), by the
  // fingerprint of its cookie; the record is JSON and never holds the cookie.
  `CREATE TABLE accounts (
     id         TEXT PRIMARY KEY,
     label      TEXT NOT NULL,
     record     TEXT NOT NULL,
     updated_at INTEGER NOT NULL
   ) STRICT;`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings `db` up to `target` (the latest by default), each pending step and the version bump in one
 * IMMEDIATE transaction, so a crash mid-way leaves the old version and a second process waits.
 * Throws if the file was written by a newer schema than this code knows.
 */
export function migrate(db: Database, target: number = SCHEMA_VERSION): void {
  if (!Number.isInteger(target) || target < 0 || target > SCHEMA_VERSION) {
    throw new RangeError(`No schema version ${target}`);
  }
  db.transaction(() => {
    const current = schemaVersion(db);
    if (current > SCHEMA_VERSION) {
      throw new Error(`Task database is at schema version ${current}, newer than this build knows (${SCHEMA_VERSION})`);
    }
    for (let v = current; v < target; v++) db.exec(MIGRATIONS[v]!);
    if (target > current) db.pragma(`user_version = ${target}`);
  }).immediate();
}
