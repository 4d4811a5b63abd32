/**
 * The secrets the server holds (the Bing cookies, the API keys) taken out of everything it logs. The code
 * never logs one on purpose, and the logger censors the fields that could carry one; this is for what
 * nobody can foresee: an error from a store or a dependency whose message or stack quotes a secret.
 */
import pino, { type Logger } from 'pino';

const REDACTED = '[redacted]';
/** A cookie pair as it is sent to Bing, whatever its value. */
const COOKIE_PAIR = /_U=[^;\s"',]*/g;
/** Shorter values would take ordinary words out of the log with them. */
const SHORTEST = 6;

export function redactor(secrets: readonly string[]): (text: string) => string {
  // Longest first, so that a secret containing another is taken out whole.
  const values = [...new Set(secrets.filter((secret) => secret.length >= SHORTEST))].sort(
    (a, b) => b.length - a.length,
  );
  return (text) =>
    values.reduce((out, secret) => out.split(secret).join(REDACTED), text.replace(COOKIE_PAIR, REDACTED));
}

/**
 * A child of `log` whose lines (their fields, and errors with their message, stack and causes) hold none of
 * `secrets`; a function is asked again for each line, for secrets that change while the server runs.
 */
export function withoutSecrets(log: Logger, secrets: readonly string[] | (() => readonly string[])): Logger {
  let known: readonly string[] | undefined;
  let current: (text: string) => string = (text) => text;
  const redact = (text: string): string => {
    const list = typeof secrets === 'function' ? secrets() : secrets;
    if (list !== known) {
      known = list;
      current = redactor(list);
    }
    return current(text);
  };
  const scrub = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return redact(value);
    // Errors are left to the `err` serializer, which turns them into plain objects first.
    if (value === null || typeof value !== 'object' || value instanceof Error || depth > 8) return value;
    if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, scrub(item, depth + 1)]));
  };
  return log.child(
    {},
    {
      serializers: { err: (error: Error) => scrub(pino.stdSerializers.err(error), 0) },
      formatters: { log: (object) => scrub(object, 0) as Record<string, unknown> },
    },
  );
}
