/** The media index both stores keep beside their tasks: entries by task, owners by file, gone with their task. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryTaskStore } from '../../src/tasks/memory-store.js';
import { SqliteTaskStore } from '../../src/tasks/sqlite-store.js';
import type { TaskStore } from '../../src/tasks/store.js';
import type { ImageTask } from '../../src/tasks/task.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'media-index-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function completed(id: string, owner: string | null, completedAt: number): ImageTask {
  return {
    id,
    kind: 'IMAGE',
    prompt: 'a lighthouse',
    model: 'DALLE',
    aspect: 'SQUARE',
    images: [`https://th.bing.com/th/id/${id}-0`, `https://th.bing.com/th/id/${id}-1`],
    revisedPrompt: null,
    bingRequestId: 'r',
    account: null,
    status: 'COMPLETED',
    error: null,
    errorCode: null,
    createdAt: completedAt - 1_000,
    updatedAt: completedAt,
    completedAt,
    deadlineAt: completedAt + 300_000,
    owner,
  };
}

const name = (n: number) => `${String(n).padStart(64, '0')}.png`;

describe.each([
  ['memory', () => new MemoryTaskStore() as TaskStore],
  ['sqlite', () => SqliteTaskStore.open(path.join(tmp, `${Math.random()}`, 'tasks.sqlite')) as TaskStore],
])('the %s store', (_, open) => {
  it('records which file stands for which URL of a task, and whose it is', async () => {
    const store = open();
    const index = store.media!;
    const a = completed('a', 'alice', 10_000);
    const b = completed('b', 'bob', 20_000);
    await store.insert(a);
    await store.insert(b);
    await index.add({ name: name(1), taskId: 'a', owner: 'alice', source: a.images[0]! });
    await index.add({ name: name(2), taskId: 'a', owner: 'alice', source: a.images[1]! });
    // The same bytes under another task of another key.
    await index.add({ name: name(2), taskId: 'b', owner: 'bob', source: b.images[0]! });
    await index.add({ name: name(2), taskId: 'b', owner: 'bob', source: b.images[0]! });

    expect(await index.ofTask('a')).toEqual(
      new Map([
        [a.images[0]!, name(1)],
        [a.images[1]!, name(2)],
      ]),
    );
    expect(await index.ownedBy(name(1), 'alice')).toBe(true);
    expect(await index.ownedBy(name(1), 'bob')).toBe(false);
    expect(await index.ownedBy(name(2), 'bob')).toBe(true);
    expect(await index.ofTask('nobody')).toEqual(new Map());

    await index.forget(name(2));
    expect(await index.ofTask('a')).toEqual(new Map([[a.images[0]!, name(1)]]));
    expect(await index.ofTask('b')).toEqual(new Map());
    expect(await index.ownedBy(name(2), 'alice')).toBe(false);
    await store.close();
  });

  it('forgets the entries of tasks the sweep or the cap deleted', async () => {
    const store = open();
    const index = store.media!;
    const old = completed('old', 'alice', 10_000);
    const kept = completed('kept', 'alice', 50_000);
    await store.insert(old);
    await store.insert(kept);
    await index.add({ name: name(3), taskId: 'old', owner: 'alice', source: old.images[0]! });
    await index.add({ name: name(4), taskId: 'kept', owner: 'alice', source: kept.images[0]! });
    expect(await store.deleteFinishedBefore(20_000)).toBe(1);
    expect(await index.ofTask('old')).toEqual(new Map());
    expect(await index.ownedBy(name(3), 'alice')).toBe(false);
    expect(await index.ownedBy(name(4), 'alice')).toBe(true);
    expect(await store.enforceCap(0)).toBe(1);
    expect(await index.ownedBy(name(4), 'alice')).toBe(false);
    await store.close();
  });
});
