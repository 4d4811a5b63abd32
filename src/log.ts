import pino, { type Logger } from 'pino';

/**
 * The server's logger. Nothing that could hold a secret is ever passed to it, and these paths are
 * censored anyway, in case an object carrying headers or config finds its way into a line.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
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
    destination,
  );
}

export type { Logger };
