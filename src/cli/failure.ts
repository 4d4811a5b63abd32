/** A failure the CLI reports as `CODE: message`, exiting with the code's own status. */

/** One exit status per error code, so that scripts can tell them apart without parsing the message. */
export const EXIT_STATUS: Record<string, number> = {
  INVALID_REQUEST: 2,
  AUTH: 3,
  PROMPT_REJECTED: 4,
  UNSUPPORTED_LANGUAGE: 5,
  RATE_LIMITED: 6,
  UPSTREAM: 7,
  TIMEOUT: 8,
  UNAVAILABLE: 9,
  NOT_FOUND: 10,
  UNAUTHENTICATED: 11,
  SERVER: 12,
};

export class CliFailure extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'CliFailure';
    this.code = code;
  }

  get status(): number {
    return EXIT_STATUS[this.code] ?? 1;
  }
}
