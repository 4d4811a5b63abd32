/**
 * Where the accounts come from: BING_COOKIE_U and BING_COOKIES (unlabelled) and BING_ACCOUNTS_FILE, read at
 * start (a bad file stops the start, naming every problem) and again on SIGHUP or when the file changes
 * (a bad file then keeps the accounts as they are, and says why).
 */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { type AccountSpec, fingerprint } from './account.js';
import { AccountsFileError, parseAccounts, readAccountsFile } from './file.js';
import type { AccountPool } from './pool.js';
import { watchFile } from './watch.js';

export interface SourceOptions {
  environment: readonly AccountSpec[];
  file: string | undefined;
  defaultMaxInFlight: number;
  debounceMs: number;
  log: Logger;
}

export interface Reloaded {
  added: string[];
  removed: string[];
}

export class AccountsSource {
  readonly #options: SourceOptions;
  #stopWatching: (() => void) | undefined;
  #reloading: Promise<Reloaded | undefined> = Promise.resolve(undefined);

  constructor(options: SourceOptions) {
    this.#options = options;
  }

  get file(): string | undefined {
    return this.#options.file;
  }

  /** Every account: the file's, then the environment's that the file does not also name. */
  async read(): Promise<AccountSpec[]> {
    const { file, defaultMaxInFlight } = this.#options;
    return this.#merged(file ? await readAccountsFile(file, defaultMaxInFlight) : []);
  }

  /** The same, read synchronously: at start, where a bad file stops the server before it listens. */
  readSync(): AccountSpec[] {
    const { file, defaultMaxInFlight } = this.#options;
    if (!file) return this.#merged([]);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new AccountsFileError(file, [
        `the file cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      ]);
    }
    return this.#merged(parseAccounts(text, file, defaultMaxInFlight));
  }

  #merged(fromFile: AccountSpec[]): AccountSpec[] {
    const named = new Set(fromFile.map((spec) => fingerprint(spec.cookie)));
    return [...fromFile, ...this.#options.environment.filter((spec) => !named.has(fingerprint(spec.cookie)))];
  }

  /** Reads again and hands the accounts to the pool; one reload at a time. */
  reload(pool: AccountPool, onReloaded?: (result: Reloaded) => void): Promise<Reloaded | undefined> {
    this.#reloading = this.#reloading.then(async () => {
      try {
        const result = pool.setAccounts(await this.read());
        this.#options.log.info(
          { added: result.added.length, removed: result.removed.length, accounts: pool.size },
          'Bing accounts reloaded',
        );
        onReloaded?.(result);
        return result;
      } catch (error) {
        if (!(error instanceof AccountsFileError)) throw error;
        this.#options.log.error(
          { problems: error.problems },
          'the accounts file is not valid; the accounts stay as they were',
        );
        return undefined;
      }
    });
    return this.#reloading;
  }

  watch(pool: AccountPool, onReloaded?: (result: Reloaded) => void): void {
    const { file } = this.#options;
    if (!file || this.#stopWatching) return;
    this.#stopWatching = watchFile(file, this.#options.debounceMs, () => {
      void this.reload(pool, onReloaded);
    });
  }

  close(): void {
    this.#stopWatching?.();
    this.#stopWatching = undefined;
  }
}
