/**
 * Accounts out of quota: a `_U` value listed in `quotaCookies` (configure) is signed in, but every image or
 * video submit of it answers the "You can't submit any more prompts" page, as Bing does once an account's
 * daily quota is used up. Polls of what it submitted before still answer.
 */
import { rejectionPage } from './markup.js';
import { CREATE_PATH, VIDEO_PATH, type Answer } from './routes.js';
import type { SimState } from './state.js';

export function quotaAnswer(state: SimState, method: string, path: string, u: string | undefined): Answer | null {
  if (method !== 'POST' || (path !== CREATE_PATH && path !== VIDEO_PATH)) return null;
  if (u === undefined || !state.isOutOfQuota(u)) return null;
  return {
    status: 200,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: rejectionPage('quota', state.session, ''),
  };
}
