import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryTaskStore } from '../../src/tasks/memory-store.js';
import { isScheduleStore } from '../../src/tasks/schedule-store.js';
import { SqliteTaskStore } from '../../src/tasks/sqlite-store.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'schedule-store-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const learned = { version: 1, kinds: { DALLE: [[1_000, 1_900]], VIDEO: [[0, 15_000]] } };

describe('the schedule store beside the tasks', () => {
  it('SQLite: nothing before the first save, the last save after a reopen', async () => {
    const file = path.join(tmp, 'tasks.sqlite');
    const first = SqliteTaskStore.open(file);
    expect(isScheduleStore(first)).toBe(true);
    expect(await first.loadSchedule()).toBeUndefined();
    await first.saveSchedule({ version: 1, kinds: {} });
    await first.saveSchedule(learned);
    await first.close();
    const second = SqliteTaskStore.open(file);
    expect(await second.loadSchedule()).toEqual(learned);
    await second.close();
  });

  it('memory: keeps a copy, not the saved object', async () => {
    const store = new MemoryTaskStore();
    expect(await store.loadSchedule()).toBeUndefined();
    const data = structuredClone(learned);
    await store.saveSchedule(data);
    data.kinds.DALLE[0]![0] = 5;
    expect(await store.loadSchedule()).toEqual(learned);
  });
});
