/**
 * The server runs in the test's own process (startStack), so a rejection nobody handled or an exception
 * that escaped shows up here. Records them so a test can assert there were none.
 */
export interface ProcessFaults {
  readonly seen: string[];
  stop(): void;
}

export function watchProcessFaults(): ProcessFaults {
  const seen: string[] = [];
  const describe = (kind: string, error: unknown) =>
    `${kind}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
  const onRejection = (reason: unknown) => seen.push(describe('unhandledRejection', reason));
  const onException = (error: unknown) => seen.push(describe('uncaughtException', error));
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    seen,
    stop() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}
