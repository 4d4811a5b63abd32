/**
 * fc.assert for the fuzz tests: the same runs and shrinking, but a counterexample of 70 000 characters is
 * cut to something a person can read, and the seed is printed to replay it.
 */
import fc from 'fast-check';
import { FUZZ_RUNS } from './fuzz-stack.js';

const SHOWN = 1_500;

const cut = (text: string) => (text.length > SHOWN ? `${text.slice(0, SHOWN)}… (${text.length} characters)` : text);

export async function holds<T>(arbitrary: fc.Arbitrary<T>, predicate: (value: T) => Promise<void>): Promise<void> {
  const details = await fc.check(fc.asyncProperty(arbitrary, predicate), { numRuns: FUZZ_RUNS });
  if (!details.failed) return;
  const error =
    details.errorInstance instanceof Error ? details.errorInstance : new Error(String(details.errorInstance));
  throw new Error(
    `Property failed after ${details.numRuns} runs (seed ${details.seed}, path "${details.counterexamplePath}")\n` +
      `Counterexample: ${cut(fc.stringify(details.counterexample))}\n` +
      `Cause: ${cut(error.message)}`,
    { cause: error },
  );
}
