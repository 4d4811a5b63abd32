import type { IncomingMessage } from 'node:http';
import type { Caller } from '../tasks/service.js';

/** Who a REST request speaks for. API keys plug in here; until then every caller is the anonymous owner. */
export function caller(_req: IncomingMessage): Caller {
  return { owner: null };
}
