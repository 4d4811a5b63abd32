/**
 * The accounts file (BING_ACCOUNTS_FILE): a JSON list, or YAML for a .yaml/.yml file, of accounts with
 * `label`, `cookie`, and optional `proxy`, `maxInFlight` and `enabled`. Every problem is named at once,
 * by position and field; no message quotes a value, since a value may be a cookie.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { type AccountSpec, fingerprint } from './account.js';

export class AccountsFileError extends Error {
  override readonly name = 'AccountsFileError';
  readonly problems: readonly string[];

  constructor(file: string, problems: readonly string[]) {
    super(`The accounts file ${basename(file)} is not valid:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

const COOKIE_TEXT = /^[\x21-\x7e][\x20-\x7e]*$/;

const ACCOUNT = z
  .object({
    label: z
      .string({ required_error: 'is required', invalid_type_error: 'must be a string' })
      .trim()
      .min(1, 'must not be empty')
      .max(64, 'must be at most 64 characters')
      .regex(/^[\w.@+-]+$/, 'must be letters, digits and . @ + - _ only'),
    cookie: z
      .string({ required_error: 'is required', invalid_type_error: 'must be a string' })
      .trim()
      .min(1, 'must not be empty')
      .max(16_384, 'is longer than 16384 characters')
      .regex(COOKIE_TEXT, 'must be printable ASCII on one line (the _U value, or the whole Cookie header)'),
    proxy: z
      .string({ invalid_type_error: 'must be a string' })
      .trim()
      .refine((value) => {
        try {
          return /^(https?|socks5?):$/.test(new URL(value).protocol);
        } catch {
          return false;
        }
      }, 'must be a proxy URL such as http://127.0.0.1:3128')
      .optional(),
    maxInFlight: z
      .number({ invalid_type_error: 'must be a number' })
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(100_000, 'must be at most 100000')
      .optional(),
    enabled: z.boolean({ invalid_type_error: 'must be true or false' }).optional(),
  })
  .strict();

const FILE = z.array(ACCOUNT, { invalid_type_error: 'must be a list of accounts' });

function where(path: readonly (string | number)[]): string {
  if (path.length === 0) return 'the file';
  return path
    .map((part) => (typeof part === 'number' ? `[${part}]` : `.${part}`))
    .join('')
    .replace(/^\./, '');
}

function message(issue: z.ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `has unknown field(s) ${issue.keys.join(', ')}`;
  return issue.message;
}

/** The accounts of a file's text; throws an AccountsFileError naming every problem. */
export function parseAccounts(text: string, file: string, defaultMaxInFlight: number): AccountSpec[] {
  let raw: unknown;
  if (/\.ya?ml$/i.test(file)) {
    try {
      raw = parseYaml(text);
    } catch (error) {
      const line = (error as { linePos?: Array<{ line: number }> }).linePos?.[0]?.line;
      throw new AccountsFileError(file, [`the file is not valid YAML${line ? ` (line ${line})` : ''}`]);
    }
  } else {
    try {
      raw = JSON.parse(text);
    } catch {
      throw new AccountsFileError(file, ['the file is not valid JSON']);
    }
  }
  const parsed = FILE.safeParse(raw ?? []);
  const problems = parsed.success ? [] : parsed.error.issues.map((issue) => `${where(issue.path)}: ${message(issue)}`);
  const accounts = parsed.success ? parsed.data : [];
  const labels = new Map<string, number>();
  const cookies = new Map<string, number>();
  accounts.forEach((account, index) => {
    const label = labels.get(account.label.toLowerCase());
    if (label !== undefined) problems.push(`[${index}].label: repeats the label of [${label}]`);
    else labels.set(account.label.toLowerCase(), index);
    const cookie = cookies.get(account.cookie);
    if (cookie !== undefined) problems.push(`[${index}].cookie: is the same cookie as [${cookie}]`);
    else cookies.set(account.cookie, index);
  });
  if (problems.length > 0) throw new AccountsFileError(file, problems);
  return accounts.map((account) => ({
    label: account.label,
    cookie: account.cookie,
    proxy: account.proxy ?? null,
    maxInFlight: account.maxInFlight ?? defaultMaxInFlight,
    enabled: account.enabled ?? true,
  }));
}

export async function readAccountsFile(file: string, defaultMaxInFlight: number): Promise<AccountSpec[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new AccountsFileError(file, [
      `the file cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    ]);
  }
  return parseAccounts(text, file, defaultMaxInFlight);
}

/** The accounts of BING_COOKIE_U and BING_COOKIES: unlabelled, so named by their fingerprint. */
export function environmentAccounts(cookies: readonly string[], maxInFlight: number): AccountSpec[] {
  const unique = [...new Set(cookies.map((cookie) => cookie.trim()).filter((cookie) => cookie.length > 0))];
  return unique.map((cookie) => ({
    label: fingerprint(cookie),
    cookie,
    proxy: null,
    maxInFlight,
    enabled: true,
  }));
}
