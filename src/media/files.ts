/**
 * The mirror's directory: one file per content, named by its SHA-256, written to `.tmp/` first and
 * renamed into place whole, so a name on disk always holds complete bytes. What is on disk at start is
 * what the mirror has (half-written temporary files are deleted); the map here only remembers sizes and
 * the order the files came in, oldest first, for eviction.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoredFile } from './eviction.js';
import { MEDIA_NAME } from './types.js';

export class MediaFiles {
  readonly dir: string;
  readonly #temp: string;
  readonly #files = new Map<string, number>();
  #total = 0;

  constructor(dir: string) {
    this.dir = dir;
    this.#temp = join(dir, '.tmp');
  }

  /** Creates the directory if needed, clears what an interrupted download left, and reads what is stored. */
  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await rm(this.#temp, { recursive: true, force: true });
    await mkdir(this.#temp, { recursive: true });
    const found: Array<{ name: string; bytes: number; at: number }> = [];
    for (const name of await readdir(this.dir)) {
      if (!MEDIA_NAME.test(name)) continue;
      const info = await stat(join(this.dir, name)).catch(() => undefined);
      if (info?.isFile()) found.push({ name, bytes: info.size, at: info.mtimeMs });
    }
    found.sort((a, b) => a.at - b.at || (a.name < b.name ? -1 : 1));
    this.#files.clear();
    this.#total = 0;
    for (const file of found) this.#remember(file.name, file.bytes);
  }

  /** A fresh path for a download in progress. */
  tempPath(): string {
    return join(this.#temp, randomUUID());
  }

  has(name: string): boolean {
    return this.#files.has(name);
  }

  /** The stored file's size and path, or undefined when there is none by that name. */
  get(name: string): { bytes: number; path: string } | undefined {
    const bytes = this.#files.get(name);
    return bytes === undefined ? undefined : { bytes, path: join(this.dir, name) };
  }

  get totalBytes(): number {
    return this.#total;
  }

  /** Oldest first. */
  list(): StoredFile[] {
    return [...this.#files].map(([name, bytes]) => ({ name, bytes }));
  }

  /** Moves a finished download into place; a file already stored under the name keeps its place in the order. */
  async keep(tempPath: string, name: string, bytes: number): Promise<void> {
    await rename(tempPath, join(this.dir, name));
    if (!this.#files.has(name)) this.#remember(name, bytes);
  }

  async discard(tempPath: string): Promise<void> {
    await unlink(tempPath).catch(() => undefined);
  }

  async remove(name: string): Promise<void> {
    const bytes = this.#files.get(name);
    if (bytes === undefined) return;
    this.#files.delete(name);
    this.#total -= bytes;
    await unlink(join(this.dir, name)).catch(() => undefined);
  }

  #remember(name: string, bytes: number): void {
    this.#files.set(name, bytes);
    this.#total += bytes;
  }
}
