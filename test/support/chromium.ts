/** Debian's chromium driven by playwright-core, launched one way for every browser test. */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** .ci/run installs chromium, and in CI a missing browser fails the tests; elsewhere they are skipped (apt-get install chromium to run them). */
export const noChromium = !existsSync(CHROMIUM) && !process.env['CI'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Where browser tests leave their screenshots (gitignored). */
export const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');

export async function artifact(name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}
