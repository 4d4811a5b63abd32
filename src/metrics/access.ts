/**
 * Who may read an admin view (/metrics): with ADMIN_API_KEYS set, a request presenting one of them; with
 * only API_KEYS set, nobody; with no keys at all, clients on loopback, as the server itself listens.
 */
import type { IncomingMessage } from 'node:http';
import { ApiKeys, presentedKey } from '../auth/api-keys.js';
import type { Authenticator } from '../auth/caller.js';
import type { Config } from '../config.js';

export type AdminRefusal = { status: 401 | 403; message: string };

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

export function adminAccess(config: Config, auth: Authenticator): (req: IncomingMessage) => AdminRefusal | undefined {
  const admins = ApiKeys.from(config.auth.adminKeys, config.auth.adminKeysFile);
  return (req) => {
    if (admins.enabled) {
      const identity = admins.identify(presentedKey(req.headers.authorization, req.headers['x-api-key']));
      if (identity.ok) return undefined;
      return identity.reason === 'missing'
        ? { status: 401, message: 'An admin API key is required: send it as "Authorization: Bearer <key>".' }
        : { status: 403, message: 'This key may not read the admin views: only the keys in ADMIN_API_KEYS may.' };
    }
    if (auth.required) return { status: 403, message: 'The admin views need a key in ADMIN_API_KEYS.' };
    if (LOOPBACK.test(auth.clientAddress(req.headers, req.socket.remoteAddress))) return undefined;
    return { status: 403, message: 'Without API keys, the admin views answer loopback clients only.' };
  };
}
