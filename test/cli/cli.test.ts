/**
 * bing-create run as users run it: a child process (`node bin/bing-create.js`, no TTY) against a real
 * server with the simulator, downloading into a temporary directory.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.js';

const BIN = join(import.meta.dirname, '../../bin/bing-create.js');
const KEY = 'cli-key-0123456789abcdef';
const ADMIN = 'cli-admin-key-0123456789abcdef';

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const status = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ status, stdout, stderr });
      },
    );
  });
}

let stack: Stack;
let out: string;

beforeAll(async () => {
  stack = await startStack({ env: { API_KEYS: KEY, ADMIN_API_KEYS: ADMIN } });
  out = mkdtempSync(join(tmpdir(), 'bing-create-'));
});
afterAll(async () => {
  await stack.close();
  rmSync(out, { recursive: true, force: true });
});

const server = () => ['--server', stack.url, '--api-key', KEY];

describe('bing-create', () => {
  it('prints its help', async () => {
    const run = await cli(['--help']);
    expect(run.status).toBe(0);
    for (const command of ['image', 'video', 'task', 'accounts']) expect(run.stdout).toContain(command);
  });

  it('generates images, shows progress lines, and saves them as <slug>-<model>-<index>', async () => {
    const dir = join(out, 'pictures');
    const run = await cli([
      ...server(),
      'image',
      'A red fox in the snow [sim:urls=origin] [sim:ms=50]',
      '--model',
      'gpt4o',
      '--aspect',
      'landscape',
      '--out',
      dir,
    ]);
    expect(run.stderr).toContain('image: GENERATING');
    expect(run.stderr).toMatch(/image: COMPLETED \(\d images?, task [\w-]+\)/);
    expect(run.status).toBe(0);
    const files = run.stdout.trim().split('\n');
    expect(files.length).toBeGreaterThan(0);
    expect(readdirSync(dir).sort()).toEqual(
      files.map((_, i) => `a-red-fox-in-the-snow-sim-urls-origin-sim-ms-50-gpt4o-${i + 1}.png`),
    );
    for (const file of files) expect(statSync(file).size).toBeGreaterThan(0);
    expect(run.stdout + run.stderr).not.toContain(KEY);
  });

  it('follows a video live to COMPLETED and saves it', async () => {
    const run = await cli([...server(), 'video', 'waves at dawn [sim:ms=1500]', '--mode', 'fast', '--out', out]);
    expect(run.status).toBe(0);
    expect(run.stderr).toContain('video: PROCESSING');
    expect(run.stderr).toMatch(/video: COMPLETED \(FAST, task [\w-]+\)/);
    const [file] = run.stdout.trim().split('\n');
    expect(file).toBe(join(out, 'waves-at-dawn-sim-ms-1500-sora-fast-1.mp4'));
    expect(statSync(file!).size).toBeGreaterThan(0);
  });

  it('follows by polling when the socket is refused (a proxy without WebSocket upgrades)', async () => {
    // Forwards plain HTTP to the server and destroys every upgrade request.
    const proxy: Server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const { host: _host, 'content-length': _length, connection: _connection, ...headers } = req.headers;
      const answer = await fetch(new URL(req.url ?? '/', stack.url), {
        method: req.method ?? 'GET',
        headers: headers as Record<string, string>,
        ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
      });
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain' });
      res.end(Buffer.from(await answer.arrayBuffer()));
    });
    proxy.on('upgrade', (_req, socket) => socket.destroy());
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      const run = await cli(['--server', url, '--api-key', KEY, 'video', 'slow river [sim:ms=2500]', '--out', out]);
      expect(run.stderr).toMatch(/video: COMPLETED/);
      expect(run.status).toBe(0);
    } finally {
      proxy.close();
    }
  });

  it('answers scripts with one JSON object, and shows a task by id', async () => {
    const run = await cli([...server(), '--json', 'image', 'a lighthouse [sim:urls=origin] [sim:ms=0]', '--out', out]);
    expect(run.status).toBe(0);
    const answer = JSON.parse(run.stdout) as { taskId: string; status: string; files: string[] };
    expect(answer).toMatchObject({ status: 'COMPLETED', model: 'DALLE' });
    expect(answer.files).toHaveLength(4); // DALL-E's four
    expect(run.stderr).toBe('');

    const shown = await cli([...server(), 'task', answer.taskId]);
    expect(shown.status).toBe(0);
    expect(shown.stdout).toContain(`IMAGE ${answer.taskId}: COMPLETED`);
    expect(shown.stdout).toContain('prompt: a lighthouse');
    expect(shown.stdout.match(/^image: /gm)).toHaveLength(answer.files.length);
  });

  it('exits with the error code of a blocked prompt, in words and as its own status', async () => {
    const run = await cli([...server(), 'image', 'something [sim:blocked]', '--out', out]);
    expect(run.status).toBe(4);
    expect(run.stderr).toMatch(/^PROMPT_REJECTED: .+/m);
    const json = await cli([...server(), '--json', 'image', 'something [sim:blocked]', '--out', out]);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'PROMPT_REJECTED' } });
  });

  it('names a bad key, an unknown task and an unreachable server, never printing the key', async () => {
    const wrong = await cli(['--server', stack.url, '--api-key', 'not-the-key-0123456789', 'task', 'x']);
    expect(wrong.status).toBe(11);
    expect(wrong.stderr).toMatch(/^UNAUTHENTICATED: /m);
    expect(wrong.stderr).not.toContain('not-the-key-0123456789');
    const unknown = await cli([...server(), 'task', 'no-such-task']);
    expect(unknown.status).toBe(10);
    expect(unknown.stderr).toMatch(/^NOT_FOUND: /m);
    const away = await cli(['--server', 'http://127.0.0.1:1', 'task', 'x']);
    expect(away.status).toBe(9);
    expect(away.stderr).toMatch(/^UNAVAILABLE: The server at http:\/\/127\.0\.0\.1:1 cannot be reached/m);
  });

  it('reads the server and the key from the environment', async () => {
    const run = await cli(['task', 'no-such-task'], { BING_CREATE_SERVER: stack.url, BING_CREATE_API_KEY: KEY });
    expect(run.stderr).toMatch(/^NOT_FOUND: /m);
  });

  it('lists the accounts to an admin key, and names the refusal to any other', async () => {
    const listed = await cli(['--server', stack.url, '--api-key', ADMIN, 'accounts']);
    expect(listed.status).toBe(0);
    expect(listed.stdout).toMatch(/^\S+\t(ACTIVE|EXPIRED|COOLING|DISABLED)\tboosts /m);
    const json = await cli(['--server', stack.url, '--api-key', ADMIN, '--json', 'accounts']);
    expect(JSON.parse(json.stdout)).toEqual([expect.objectContaining({ state: expect.any(String) })]);
    const refused = await cli([...server(), 'accounts']);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/^[A-Z_]+: .+/m);
    expect(refused.stdout + refused.stderr).not.toContain(KEY);
  });
});

it('defaults --server to the address `npm start` listens on', async () => {
  const { configFrom } = await import('../../src/config.js');
  const config = configFrom({});
  const run = await cli(['--help']);
  expect(run.stdout).toContain(`default: "http://${config.host}:${config.port}"`);
});
