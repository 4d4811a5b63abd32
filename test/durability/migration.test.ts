/** The server starts on a task database written by an older schema: it migrates it and keeps every task. */
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { migrate, SCHEMA_VERSION, schemaVersion } from '../../src/tasks/migrations.js';
import { startStack, type Stack } from '../support/stack.js';
import { tempDir } from './server-process.js';
import { readTask } from './tasks.js';

let stack: Stack | undefined;
let data: ReturnType<typeof tempDir> | undefined;

afterEach(async () => {
  await stack?.close();
  data?.remove();
  stack = data = undefined;
});

it('migrates a version-1 file at start, serves its tasks and recovers its unfinished ones', async () => {
  data = tempDir('durable-migrate-');
  const file = path.join(data.dir, 'tasks.sqlite');
  const old = new Database(file);
  migrate(old, 1);
  const now = Date.now();
  const insert = old.prepare(
    `INSERT INTO tasks (id, kind, prompt, aspect, status, video, created_at, updated_at, completed_at, deadline_at)
     VALUES (?, 'VIDEO', ?, 'PORTRAIT', ?, ?, ?, ?, ?, ?)`,
  );
  insert.run(
    'done-v1',
    'an old video',
    'COMPLETED',
    'https://example.test/v.mp4',
    now - 5_000,
    now - 4_000,
    now - 4_000,
    now + 60_000,
  );
  insert.run('cut-v1', 'an unfinished video', 'PROCESSING', null, now - 5_000, now - 5_000, null, now + 60_000);
  old.close();

  stack = await startStack({ env: { TASK_STORE: 'sqlite', DATA_DIR: data.dir } });
  expect(await readTask(stack.url, 'done-v1')).toMatchObject({
    status: 'COMPLETED',
    video: 'https://example.test/v.mp4',
  });
  expect(await readTask(stack.url, 'cut-v1')).toMatchObject({ status: 'FAILED', errorCode: 'UPSTREAM' });
  expect(stack.sim.submits()).toHaveLength(0);
  await stack.close();
  stack = undefined;

  const migrated = new Database(file, { readonly: true });
  try {
    expect(schemaVersion(migrated)).toBe(SCHEMA_VERSION);
    expect(migrated.pragma('integrity_check', { simple: true })).toBe('ok');
  } finally {
    migrated.close();
  }
});
