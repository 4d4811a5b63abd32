/**
 * The heap in use once garbage is collected. vitest's workers do not run with --expose-gc and the config
 * is shared, so the collector is reached the documented V8 way: turn the flag on at run time and take
 * `gc` from a fresh context, where V8 installs it.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 50));

/** heapUsed after a few rounds of collection, with a pause between them for timers and sockets to let go. */
export async function settledHeap(rounds = 4): Promise<number> {
  for (let round = 0; round < rounds; round++) {
    await settle();
    gc();
  }
  return process.memoryUsage().heapUsed;
}

export const MB = 1024 * 1024;
