/** What the account pool's tests share: three simulated accounts in a file, a webhook receiver, and readers of the simulator's log. */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordedRequest, Simulator } from '../../src/simulator/index.js';

export const COOKIES = {
  a: 'acct-a-cookie-K3v9Qm2Lx7Wd',
  b: 'acct-b-cookie-P8s1Zr6Ny4Jh',
  c: 'acct-c-cookie-T5e2Bu9Gc3Fk',
  d: 'acct-d-cookie-M7w4Ha1Xo8Vq',
} as const;
export type Label = keyof typeof COOKIES;

export interface FileAccount {
  label: string;
  cookie: string;
  maxInFlight?: number;
  enabled?: boolean;
  proxy?: string;
}

export const account = (label: Label, extra: Partial<FileAccount> = {}): FileAccount => ({
  label,
  cookie: COOKIES[label],
  ...extra,
});

/** A folder with accounts.json; `write` replaces the file the way editors do (a rename over it). */
export function accountsFile(accounts: FileAccount[]): { file: string; write(accounts: FileAccount[] | string): void } {
  const dir = mkdtempSync(join(tmpdir(), 'accounts-'));
  const file = join(dir, 'accounts.json');
  let n = 0;
  const write = (next: FileAccount[] | string) => {
    const staged = join(dir, `.staged-${n++}`);
    writeFileSync(staged, typeof next === 'string' ? next : JSON.stringify(next, null, 2));
    renameSync(staged, file);
  };
  write(accounts);
  return { file, write };
}

export function labelOf(request: RecordedRequest): Label | undefined {
  const cookie = /(?:^|;\s*)_U=([^;]+)/.exec(request.headers.cookie ?? '')?.[1];
  return (Object.keys(COOKIES) as Label[]).find((label) => COOKIES[label] === cookie);
}

/** The image submits of one prompt (matched by a unique word in it), each with its account. */
export function submitsOf(sim: Simulator, word: string): Label[] {
  return sim
    .submits()
    .filter((request) => (request.query.q ?? '').includes(word))
    .map((request) => labelOf(request) as Label);
}

/** The jobs the simulator made (accepted submits) whose prompt holds `word`. */
export function jobsOf(sim: Simulator, word: string) {
  return [...sim.jobs.values()].filter((job) => job.prompt.includes(word));
}

/** The account that Bing accepted a prompt's generation on: the submit that made its job is the last one. */
export function acceptedOn(sim: Simulator, word: string): Label | undefined {
  return submitsOf(sim, word).at(-1);
}

export interface Receiver {
  url: string;
  changes: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/** A real HTTP receiver for the account webhook. */
export async function webhookReceiver(): Promise<Receiver> {
  const changes: Array<Record<string, unknown>> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      changes.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    changes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
