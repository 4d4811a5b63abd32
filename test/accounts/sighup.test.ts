/**
 * SIGHUP re-reads the accounts file of a running server process (`npm start`'s main.ts), without a restart
 * and with the file watcher held back, so that only the signal can have done it.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { killServers, serverEnv, spawnServer, tempDir } from '../durability/server-process.js';
import { account, accountsFile } from './support.js';

let sim: Simulator;
const data = tempDir('sighup-');

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0.01 });
});
afterEach(killServers);
afterAll(async () => {
  await sim.close();
  data.remove();
});

async function labels(url: string): Promise<string[]> {
  const response = await fetch(`${url}/accounts`);
  const body = (await response.json()) as { data: { accounts: Array<{ label: string }> } };
  return body.data.accounts.map((entry) => entry.label).sort();
}

it('re-reads the accounts file on SIGHUP', async () => {
  const accounts = accountsFile([account('a')]);
  const server = await spawnServer(
    serverEnv(sim.url, data.dir, {
      BING_COOKIE_U: '',
      BING_ACCOUNTS_FILE: accounts.file,
      // The watcher would reload only after an hour of quiet: the signal is what reloads here.
      ACCOUNTS_RELOAD_DEBOUNCE: '1h',
    }),
  );
  expect(await labels(server.url)).toEqual(['a']);
  accounts.write([account('a'), account('b')]);
  expect(await labels(server.url)).toEqual(['a']);
  server.child.kill('SIGHUP');
  await expect.poll(() => labels(server.url), { timeout: 15_000, interval: 100 }).toEqual(['a', 'b']);
  expect(server.logs.some((line) => line.msg === 'Bing accounts reloaded' && line.accounts === 2)).toBe(true);
  // Still the same process, still answering.
  expect(server.child.exitCode).toBeNull();
});
