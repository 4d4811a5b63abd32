/**
 * Who a REST request speaks for, by the rules GraphQL uses: with API keys configured, the key sent as
 * `Authorization: Bearer <key>` or `x-api-key: <key>`; without keys, the anonymous owner, named by its
 * address for the per-caller limits.
 */
import type { IncomingMessage } from 'node:http';
import type { Authenticator } from '../auth/caller.js';
import type { Caller } from '../tasks/service.js';

export class Unauthenticated extends Error {
  override readonly name = 'Unauthenticated';

  constructor(reason: 'missing' | 'invalid') {
    super(
      reason === 'missing'
        ? 'An API key is required: send it as "Authorization: Bearer <key>" or "x-api-key: <key>".'
        : 'The API key is not valid.',
    );
  }
}

export type CallerOf = (req: IncomingMessage) => Caller;

/** @throws Unauthenticated when keys are configured and the request has none, or a wrong one. */
export function callerOf(auth: Authenticator): CallerOf {
  return (req) => {
    const authentication = auth.fromHeaders(req.headers, req.socket.remoteAddress);
    if (!authentication.ok) throw new Unauthenticated(authentication.reason);
    return authentication.caller;
  };
}
