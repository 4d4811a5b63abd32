/**
 * The routes of the original Express wrapper (plus /openapi.json), each a thin view over the TaskService:
 * read the request, call the service, shape the answer.
 */
import type { IncomingMessage } from 'node:http';
import type { Authenticator } from '../auth/caller.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { OPTIONS } from '../tasks/options.js';
import type { TaskService } from '../tasks/service.js';
import type { AccountInfo } from '../tasks/accounts.js';
import type { Caller, Task, TaskStatus, VideoTask } from '../tasks/task.js';
import { readFields } from './body.js';
import { callerOf } from './caller.js';
import { OPENAPI } from './openapi.js';
import { readProject } from './project.js';
import { ImageRequest, VideoRequest, validated } from './schemas.js';
import { failure, staticSuccess, success, type Reply } from './reply.js';

export interface RestDeps {
  service: TaskService;
  config: Config;
  log: Logger;
  /** The server's authenticator, the same one GraphQL uses. */
  auth: Authenticator;
}

export interface Route {
  method: 'GET' | 'POST';
  /** Matched against the path without its query string or trailing slash; groups are the parameters. */
  pattern: RegExp;
  handle(req: IncomingMessage, params: string[]): Reply | Promise<Reply>;
}

export const ENDPOINTS = {
  info: 'GET /',
  health: 'GET /health',
  create_image: 'POST /create/image',
  create_video: 'POST /create/video',
  get_task: 'GET /task/:taskId',
  options: 'GET /options',
  graphql: 'POST /graphql',
  openapi: 'GET /openapi.json',
};

const STATUS: Record<TaskStatus, string> = {
  QUEUED: 'queued',
  PROCESSING: 'processing',
  COMPLETED: 'completed',
  FAILED: 'failed',
};

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

const modeOf = (mode: VideoTask['mode']): 'fast' | 'standard' | null =>
  mode === null ? null : mode === 'FAST' ? 'fast' : 'standard';

/** With MEDIA_MIRROR on, `mirrors` beside the media: each one's copy on this server, or null while there is none. */
const withMirrors = <T extends object>(view: T, mirrors: Array<string | null> | undefined) =>
  mirrors === undefined ? view : { ...view, mirrors };

function taskView(task: Task) {
  return {
    id: task.id,
    status: STATUS[task.status],
    prompt: task.prompt,
    video: task.kind === 'VIDEO' ? task.video : null,
    error: task.error,
    createdAt: iso(task.createdAt),
    completedAt: iso(task.completedAt),
    ...(task.kind === 'IMAGE'
      ? { images: task.images }
      : { mode: modeOf(task.mode), width: task.width, height: task.height, durationSeconds: task.durationSeconds }),
  };
}

function accountView(account: AccountInfo) {
  return {
    label: account.label,
    state: account.state,
    enabled: account.enabled,
    boosts: account.boosts,
    fastCreationsLeft: account.fastCreationsLeft,
    inFlight: account.inFlight,
    maxInFlight: account.maxInFlight,
    generationsToday: account.generationsToday,
    failuresToday: account.failuresToday,
    lastErrorCode: account.lastErrorCode,
    lastErrorAt: iso(account.lastErrorAt),
    coolingUntil: iso(account.coolingUntil),
  };
}

/** The admin view: 401 without a (valid) admin key where one is needed, 403 for any other caller. */
function adminRefusal(who: Caller): Reply | undefined {
  if (who.admin === 'granted') return undefined;
  if (who.admin === 'missing') {
    return failure(
      401,
      'authentication_error',
      'The Bing accounts need an admin key (ADMIN_API_KEYS): send it as "Authorization: Bearer <key>".',
      { 'www-authenticate': 'Bearer' },
    );
  }
  return failure(
    403,
    'permission_error',
    'This caller may not see the Bing accounts: they need an admin key (ADMIN_API_KEYS), or, with no keys configured, a call from this machine.',
  );
}

const taskNotFound = () => failure(404, 'invalid_request_error', 'Task not found.');

export function createRoutes({ service, config, auth }: RestDeps): Route[] {
  const project = readProject();
  // Only the generations and the tasks need a key (when keys are on): the rest is public, as /health must be for probes.
  const caller = callerOf(auth);
  const info = { name: project.name, version: project.version, repository: project.repository, endpoints: ENDPOINTS };
  // A video request may carry its source image as base64: room for MAX_IMAGE_BYTES of it, plus the rest.
  const videoBodyBytes = Math.max(
    config.http.maxBodyBytes,
    Math.ceil((config.videoImage.maxBytes * 4) / 3) + 64 * 1024,
  );

  return [
    {
      method: 'GET',
      pattern: /^\/$/,
      // The original answered these fields at the top level; they are also under `data` like every other answer.
      handle: () => success(info, info),
    },
    {
      method: 'GET',
      pattern: /^\/health$/i,
      handle: async () => {
        const health = await service.health();
        return success({
          status: 'ok',
          cookie: health.cookieSet ? 'set' : 'not set',
          session: health.session,
          activeTasks: health.activeTasks,
          upstream: config.simulator ? 'simulator' : 'bing',
          videoAccounts: health.fastCreations,
          boosts: health.boosts,
        });
      },
    },
    {
      method: 'GET',
      pattern: /^\/options$/i,
      handle: staticSuccess(OPTIONS),
    },
    {
      method: 'POST',
      pattern: /^\/create\/image$/i,
      handle: async (req) => {
        const who = caller(req);
        const body = validated(ImageRequest, await readFields(req, config.http.maxBodyBytes));
        const task = await service.createImage(body, who);
        return success(
          withMirrors(
            {
              images: task.images,
              prompt: task.revisedPrompt ?? task.prompt,
              model: task.model,
              aspect: task.aspect,
              taskId: task.id,
            },
            await service.mirrorsOf(task),
          ),
        );
      },
    },
    {
      method: 'POST',
      pattern: /^\/create\/video$/i,
      handle: async (req) => {
        const who = caller(req);
        const body = validated(VideoRequest, await readFields(req, videoBodyBytes));
        const task = await service.createVideo(body, who);
        return success({ taskId: task.id, prompt: task.prompt });
      },
    },
    {
      method: 'GET',
      pattern: /^\/task\/([^/]+)$/i,
      handle: async (req, [raw = '']) => {
        const who = caller(req);
        let id: string;
        try {
          id = decodeURIComponent(raw);
        } catch {
          return taskNotFound();
        }
        const task = await service.getTask(id, who);
        if (!task) return taskNotFound();
        const mirrors = service.mirrorsOf(task);
        return success(withMirrors(taskView(task), mirrors && (await mirrors)));
      },
    },
    {
      method: 'GET',
      pattern: /^\/accounts$/i,
      handle: (req) => {
        const who = caller(req);
        return adminRefusal(who) ?? success({ accounts: service.accounts().map(accountView) });
      },
    },
    {
      method: 'GET',
      pattern: /^\/openapi\.json$/i,
      handle: () => ({ status: 200, body: OPENAPI }),
    },
  ];
}
