/**
 * The server's log leaves out every account's secrets, however they were given: BING_COOKIE_U values,
 * BING_COOKIES sets (each cookie value), the accounts file's cookies and proxies, an environment account
 * that the file names again, and an account added by a reload.
 */
import { Writable } from 'node:stream';
import { afterEach, expect, it } from 'vitest';
import { configFrom } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { createApp, type App } from '../../src/server.js';
import { accountsFile } from '../accounts/support.js';

const U = 'env-u-sekrit-Lq4Zt8Wm';
const SET = { muid: 'env-muid-sekrit-Rb2Yx6', u: 'env-set-u-sekrit-Hc9Pd3' };
const SHARED = 'shared-u-sekrit-Vn5Kj1';
const FILE = { u: 'file-u-sekrit-Ga7Ws0', proxyPassword: 'file-proxy-sekrit-Qe3Mf8' };
const ADDED = 'added-u-sekrit-Tx1Bo4';

let app: App | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

it('leaves every account secret out of the log', async () => {
  const file = accountsFile([
    { label: 'file', cookie: `_U=${FILE.u}`, proxy: `http://bic:${FILE.proxyPassword}@127.0.0.1:9` },
    { label: 'shared', cookie: SHARED },
  ]);
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  const config = configFrom({
    PORT: '0',
    HOST: '127.0.0.1',
    BING_ORIGIN: 'http://127.0.0.1:9',
    TASK_STORE: 'memory',
    BING_COOKIE_U: `${U},${SHARED}`,
    BING_COOKIES: `MUID=${SET.muid}; _U=${SET.u}`,
    BING_ACCOUNTS_FILE: file.file,
  });
  app = createApp(config, { log: createLogger('info', sink) });
  const given = [U, SET.muid, SET.u, SHARED, FILE.u, FILE.proxyPassword];
  const quote = (values: string[]) =>
    app!.log.error({ err: new Error(`upstream quoted ${values.join(' ')}`), said: values.join(', ') }, 'unforeseen');
  quote(given);
  file.write([{ label: 'added', cookie: ADDED }]);
  await app.reloadAccounts();
  quote([...given, ADDED]);
  expect(lines.filter((line) => line.includes('unforeseen'))).toHaveLength(2);
  for (const line of lines) {
    for (const secret of [...given, ADDED]) expect(line).not.toContain(secret);
  }
});
