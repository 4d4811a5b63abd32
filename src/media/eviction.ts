/** Which stored files go to keep the mirror under its total size: the oldest first, never the one just kept. */

export interface StoredFile {
  name: string;
  bytes: number;
}

/** `files` oldest first; the names to delete so that the rest fit in `maxTotalBytes`. */
export function evictions(files: Iterable<StoredFile>, maxTotalBytes: number, keep?: string): string[] {
  const list = [...files];
  let total = list.reduce((sum, file) => sum + file.bytes, 0);
  const gone: string[] = [];
  for (const file of list) {
    if (total <= maxTotalBytes) break;
    if (file.name === keep) continue;
    gone.push(file.name);
    total -= file.bytes;
  }
  return gone;
}
