import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { SqliteTaskStore } from '../../src/tasks/sqlite-store.js';
import type { TaskStatus } from '../../src/tasks/task.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const burst = fileURLToPath(new URL('./fixtures/write-burst.ts', import.meta.url));
const RANK: Record<TaskStatus, number> = { QUEUED: 0, PROCESSING: 1, COMPLETED: 2, FAILED: 2 };

let tmp: string | undefined;
afterEach(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** Runs the burst child, SIGKILLs it once `lines` writes are acknowledged, returns its stdout. */
function killMidBurst(file: string, lines: number): Promise<{ out: string; signal: string | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', burst, file], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let seen = 0;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      seen += chunk.split('\n').length - 1;
      if (seen >= lines && child.exitCode === null) child.kill('SIGKILL');
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ out, signal });
      else reject(new Error(`write-burst exited with ${code ?? signal} before the kill: ${err}`));
    });
  });
}

it('keeps every acknowledged write when the writer is SIGKILLed mid-burst', async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'task-crash-'));
  const file = path.join(tmp, 'tasks.db');
  const { out } = await killMidBurst(file, 300);

  // Only whole lines: a write is acknowledged once its line is complete.
  const acked = new Map<string, { updatedAt: number; status: TaskStatus }>();
  for (const line of out.split('\n').slice(0, -1)) {
    const [id, updatedAt, status] = line.split(' ');
    acked.set(id!, { updatedAt: Number(updatedAt), status: status as TaskStatus });
  }
  expect(acked.size).toBeGreaterThanOrEqual(100);

  const store = SqliteTaskStore.open(file);
  try {
    for (const [id, ack] of acked) {
      const stored = await store.get(id);
      expect(stored, id).toBeDefined();
      expect(stored!.updatedAt, id).toBeGreaterThanOrEqual(ack.updatedAt);
      expect(RANK[stored!.status], id).toBeGreaterThanOrEqual(RANK[ack.status]);
    }
  } finally {
    await store.close();
  }

  const db = new Database(file, { readonly: true });
  expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  db.close();
});
