/**
 * What the poll schedule learned survives a restart: a server that learned that DALL-E runs three times
 * slower than its prior stops, and the next process on the same data directory polls the first image
 * it is given where the learned runs start, instead of probing from the prior's first seconds.
 */
import Database from 'better-sqlite3';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { killServers, serverEnv, spawnServer, tempDir } from './server-process.js';

let sim: Simulator | undefined;
let data: ReturnType<typeof tempDir> | undefined;

afterEach(async () => {
  await killServers();
  await sim?.close();
  data?.remove();
  sim = data = undefined;
});

async function createImage(url: string, prompt: string): Promise<void> {
  const response = await fetch(`${url}/create/image`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: prompt }),
  });
  expect(response.status).toBe(200);
}

/** Polls the simulator answered "still running" for the job of this prompt. */
function pendingPolls(prompt: string): number {
  const job = [...sim!.jobs.values()].find((j) => j.prompt === prompt);
  if (!job) throw new Error(`no job for ${prompt}`);
  return sim!.polls(job.id).filter((p) => p.at < job.readyAt).length;
}

it('keeps the learned timing in the task database across a restart', { timeout: 60_000 }, async () => {
  // DALL-E 30-31 s (three times its 5-15 s prior, and narrow, so that what a run finds does not depend
  // on the draw), at a hundredth of real time.
  sim = await startSimulator({ timeScale: 0.01, durations: { DALLE: { minMs: 30_000, maxMs: 31_000 } } });
  data = tempDir('learned-timing-');
  const env = serverEnv(sim.url, data.dir, { POLL_INTERVAL: '900ms', POLL_MAX_INTERVAL: '10s' });

  const first = await spawnServer(env);
  // A cold first run probes from 0.6 s and polls through the prior's window: many polls before it is done.
  await createImage(first.url, 'cold 0');
  expect(pendingPolls('cold 0')).toBeGreaterThanOrEqual(8);
  for (let round = 0; round < 3; round += 1) {
    await Promise.all([1, 2, 3, 4].map((i) => createImage(first.url, `learn ${round} ${i}`)));
  }
  const exit = await first.kill('SIGTERM', 15_000);
  expect(exit.code).toBe(0);

  const db = new Database(path.join(data.dir, 'tasks.sqlite'), { readonly: true });
  const row = db.prepare(`SELECT data FROM schedule WHERE name = 'poll'`).get() as { data: string } | undefined;
  db.close();
  expect(JSON.parse(row!.data).kinds.DALLE.length).toBeGreaterThanOrEqual(10);

  const second = await spawnServer(env);
  const prompts = ['warm 0', 'warm 1', 'warm 2'];
  await Promise.all(prompts.map((p) => createImage(second.url, p)));
  // Learned: the first poll comes near the shortest run seen (about 30 s), so few polls find it running.
  const warm = prompts.map(pendingPolls);
  expect(Math.max(...warm)).toBeLessThan(pendingPolls('cold 0'));
  expect(warm.reduce((a, b) => a + b, 0) / warm.length).toBeLessThanOrEqual(pendingPolls('cold 0') / 2);
});
