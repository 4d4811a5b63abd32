/**
 * Watches the accounts file for changes, through its folder (editors replace a file by renaming another
 * over it, which ends a watch on the file itself), with a debounce so that one save is one reload.
 */
import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';

export function watchFile(file: string, debounceMs: number, onChange: () => void): () => void {
  const name = basename(file);
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(file), { persistent: false }, (_event, changed) => {
      if (changed !== null && changed !== name) return;
      clearTimeout(timer);
      timer = setTimeout(onChange, debounceMs);
      timer.unref();
    });
    watcher.on('error', () => undefined);
  } catch {
    // A folder that cannot be watched still reloads on SIGHUP.
  }
  return () => {
    clearTimeout(timer);
    watcher?.close();
  };
}
