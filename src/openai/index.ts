/**
 * The OpenAI-compatible Images API under /v1: `POST /v1/images/generations`, `GET /v1/models` and
 * `GET /v1/models/:id`, over the same TaskService (and so the same limits) as GraphQL and REST. Callers
 * authenticate with `Authorization: Bearer <key>` when API keys are configured; every answer and error is
 * in OpenAI's shapes, so the official clients work with only their base URL changed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authenticator } from '../auth/caller.js';
import type { Config } from '../config.js';
import { corsHeaders } from '../http/cors.js';
import { send, type Reply } from '../http/envelope.js';
import type { Logger } from '../log.js';
import { BodyError, ClientGone, readFields } from '../rest/body.js';
import { ServiceError } from '../tasks/errors.js';
import type { TaskService } from '../tasks/service.js';
import type { FetchImage } from '../tasks/video-image.js';
import { fromServiceCode, openAIError } from './errors.js';
import { generate, ImageFetchFailed, parseImageRequest } from './generations.js';
import { MODEL_LIST } from './models.js';

export interface OpenAIDeps {
  service: TaskService;
  config: Config;
  auth: Authenticator;
  log: Logger;
  fetchImage: FetchImage;
}

export const OPENAI_PREFIX = '/v1';

function unreadBody(req: IncomingMessage): boolean {
  return (
    !req.complete && (req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0)
  );
}

const notFound = (path: string): Reply =>
  openAIError(404, 'invalid_request_error', 'not_found', `Unknown request URL: ${path}.`);

const notAllowed = (method: string | undefined, allow: string): Reply => ({
  ...openAIError(405, 'invalid_request_error', 'method_not_allowed', `Method ${method} is not allowed here.`),
  headers: { allow },
});

export function createOpenAIHandler(deps: OpenAIDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { service, config, auth, log } = deps;
  const generation = {
    service,
    fetchImage: deps.fetchImage,
    policy: { ...config.videoImage, fetch: 'bing' as const, origin: config.bing.origin },
  };

  async function answer(req: IncomingMessage, path: string): Promise<Reply> {
    const authentication = auth.fromHeaders(req.headers, req.socket.remoteAddress);
    if (!authentication.ok) {
      const message =
        authentication.reason === 'missing'
          ? 'You did not provide an API key: send it as "Authorization: Bearer <key>".'
          : 'Incorrect API key provided.';
      return {
        ...openAIError(401, 'invalid_request_error', 'invalid_api_key', message),
        headers: { 'www-authenticate': 'Bearer' },
      };
    }
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    if (path === '/v1/models')
      return method === 'GET'
        ? { status: 200, body: { object: 'list', data: MODEL_LIST } }
        : notAllowed(req.method, 'GET, HEAD');
    const model = /^\/v1\/models\/([^/]+)$/.exec(path);
    if (model) {
      if (method !== 'GET') return notAllowed(req.method, 'GET, HEAD');
      const id = decodeURIComponent(model[1] ?? '');
      const found = MODEL_LIST.find((entry) => entry.id === id);
      return found
        ? { status: 200, body: found }
        : openAIError(
            404,
            'invalid_request_error',
            'model_not_found',
            `The model ${JSON.stringify(id)} does not exist.`,
            { param: 'model' },
          );
    }
    if (path !== '/v1/images/generations') return notFound(path);
    if (method !== 'POST') return notAllowed(req.method, 'POST');
    const request = parseImageRequest(await readFields(req, config.http.maxBodyBytes));
    if (!('prompt' in request)) return request;
    return generate(generation, request, authentication.caller);
  }

  function failed(error: unknown, path: string): Reply | undefined {
    if (error instanceof ClientGone) return undefined;
    if (error instanceof BodyError)
      return openAIError(error.status, 'invalid_request_error', 'invalid_body', error.message);
    if (error instanceof ServiceError) {
      // The service names the prompt `query`, as REST does; OpenAI callers sent `prompt`.
      const prompt = error.field === 'query';
      return fromServiceCode(error.code, prompt ? error.message.replace(/\bquery\b/g, 'prompt') : error.message, {
        retryAfterSeconds: error.retryAfterSeconds,
        param: prompt ? 'prompt' : error.field,
      });
    }
    if (error instanceof ImageFetchFailed) return openAIError(502, 'api_error', 'upstream_error', error.message);
    log.error({ err: error, path }, 'OpenAI request failed unexpectedly');
    return fromServiceCode('INTERNAL', 'Something went wrong inside the server.');
  }

  return (req, res) => {
    const path = (req.url ?? '/').split(/[?#]/)[0]!.replace(/\/+$/, '');
    void answer(req, path)
      .catch((error: unknown) => failed(error, path))
      .then((reply) => {
        if (!reply) {
          if (!res.destroyed) res.destroy();
          return;
        }
        const cors = corsHeaders(config.http.cors, req.headers.origin);
        // A body the answer did not read (a refused key) is not worth reading: the connection ends here.
        send(res, reply, unreadBody(req) ? { ...cors, connection: 'close' } : cors);
      });
  };
}
