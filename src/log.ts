import { AsyncLocalStorage } from 'node:async_hooks';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

/**
 * The id of the request being answered, for everything done on its behalf (the service's work included):
 * every line logged within `requestScope.run(id, ...)` carries it as `reqId`.
 */
export const requestScope = new AsyncLocalStorage<string>();

const withRequestId = (): Record<string, unknown> => {
  const reqId = requestScope.getStore();
  return reqId === undefined ? {} : { reqId };
};

export type LogFormat = 'json' | 'pretty';

/** Pretty on a terminal unless LOG_FORMAT says otherwise; JSON lines everywhere else. */
function prettyWanted(format: LogFormat | undefined): boolean {
  return format === undefined ? process.stdout.isTTY === true : format === 'pretty';
}

/**
 * The server's logger. Nothing that could hold a secret is ever passed to it, and these paths are
 * censored anyway, in case an object carrying headers or config finds its way into a line.
 */
export function createLogger(level: string, destination?: pino.DestinationStream, format?: LogFormat): Logger {
  const out = destination ?? (prettyWanted(format) ? pretty({ colorize: process.stdout.isTTY === true }) : undefined);
  return pino(
    {
      level,
      mixin: withRequestId,
      redact: {
        paths: [
          'cookie',
          'cookies',
          '*.cookie',
          '*.cookies',
          'authorization',
          '*.authorization',
          'headers.cookie',
          'headers.authorization',
          'headers["x-api-key"]',
          '*.headers.cookie',
          '*.headers.authorization',
          '*.headers["x-api-key"]',
          'apiKey',
          '*.apiKey',
        ],
        censor: '[redacted]',
      },
    },
    out,
  );
}

export type { Logger };
