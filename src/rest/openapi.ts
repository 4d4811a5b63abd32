/**
 * The REST routes as an OpenAPI 3.1 document, served at GET /openapi.json, generated from the zod
 * schemas the routes validate with (schemas.ts) and the status table of reply.ts.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { defaults } from '../config.js';
import { ERROR_STATUS, type ErrorType } from './reply.js';
import {
  envelope,
  errorOf,
  Health,
  ImageRequest,
  ImageResult,
  InfoAnswer,
  Options,
  TaskView,
  VideoAccepted,
  VideoRequest,
} from './schemas.js';

const DEFAULTS = defaults();

const typesOf = (status: number): [ErrorType, ...ErrorType[]] => {
  const types = [
    ...new Set(
      Object.values(ERROR_STATUS)
        .filter((e) => e.status === status)
        .map((e) => e.type),
    ),
  ];
  return types as [ErrorType, ...ErrorType[]];
};

const retryAfter = (description: string) => ({
  'Retry-After': { description, schema: { type: 'integer' as const, minimum: 0 } },
});

function failureResponse(
  name: string,
  description: string,
  types: [ErrorType, ...ErrorType[]],
  headers?: ResponseConfig['headers'],
): ResponseConfig {
  return {
    description,
    ...(headers ? { headers } : {}),
    content: { 'application/json': { schema: errorOf(name, types) } },
  };
}

const FAILURES = {
  BadRequest: failureResponse(
    'BadRequestError',
    'Missing or invalid parameters (the message names the field and the valid values), malformed JSON, ' +
      'a body that is not an object, or a body that is not UTF-8.',
    typesOf(400),
  ),
  Unauthorized: failureResponse(
    'UnauthorizedError',
    'authentication_error: API keys are configured and the request has none, or a wrong one (with `WWW-Authenticate: Bearer`). ' +
      'auth_error: the Bing cookie is missing, invalid or expired.',
    ['authentication_error', ...typesOf(401)],
  ),
  Unauthenticated: failureResponse(
    'UnauthenticatedError',
    'API keys are configured and the request has none, or a wrong one.',
    ['authentication_error'],
  ),
  TaskNotFound: failureResponse('TaskNotFoundError', 'No task has this id.', typesOf(404)),
  PayloadTooLarge: failureResponse(
    'PayloadTooLargeError',
    `The body is larger than MAX_BODY_SIZE (${DEFAULTS.http.maxBodyBytes / 1024} KB by default); the connection is closed.`,
    ['invalid_request_error'],
  ),
  UnsupportedMediaType: failureResponse(
    'UnsupportedMediaTypeError',
    'The body is neither JSON nor an urlencoded form (or has a Content-Encoding).',
    ['invalid_request_error'],
  ),
  Unprocessable: failureResponse(
    'UnprocessableError',
    'Bing refused the prompt (content policy, review) or its language.',
    typesOf(422),
  ),
  TooManyRequests: failureResponse(
    'TooManyRequestsError',
    'The Bing quota is used up or Bing is throttling.',
    typesOf(429),
    retryAfter('Seconds to wait before trying again.'),
  ),
  InternalError: failureResponse(
    'InternalError',
    'Something failed inside the server; the message is generic.',
    typesOf(500),
  ),
  BadGateway: failureResponse(
    'BadGatewayError',
    'Bing failed, was unreachable or answered something unreadable.',
    typesOf(502),
    retryAfter('When the server is restarting: seconds to wait.'),
  ),
  GatewayTimeout: failureResponse(
    'GatewayTimeoutError',
    'Bing did not finish before the deadline (IMAGE_DEADLINE, VIDEO_DEADLINE).',
    typesOf(504),
  ),
};

/** Any error answer, whatever the status: what a 405 or an unknown path answers. */
export const ErrorAnswer = errorOf('Error', [
  ...new Set([...Object.values(ERROR_STATUS).map((e) => e.type), 'authentication_error' as const]),
] as [ErrorType, ...ErrorType[]]);

const ok = (description: string, schema: z.ZodTypeAny): ResponseConfig => ({
  description,
  content: { 'application/json': { schema } },
});

const body = (schema: z.ZodTypeAny) => ({
  required: true,
  description: 'JSON (also accepted without a Content-Type when it starts with `{`) or an urlencoded form.',
  content: { 'application/json': { schema }, 'application/x-www-form-urlencoded': { schema } },
});

/** An API key when the server has keys configured (API_KEYS); none when it has not. */
const KEYED: Array<Record<string, string[]>> = [{ bearer: [] }, { apiKey: [] }, {}];

const GENERATION_FAILURES = {
  400: FAILURES.BadRequest,
  401: FAILURES.Unauthorized,
  413: FAILURES.PayloadTooLarge,
  415: FAILURES.UnsupportedMediaType,
  422: FAILURES.Unprocessable,
  429: FAILURES.TooManyRequests,
  500: FAILURES.InternalError,
  502: FAILURES.BadGateway,
  504: FAILURES.GatewayTimeout,
};

function document() {
  const registry = new OpenAPIRegistry();
  registry.register('Error', ErrorAnswer);
  registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key, when the server has keys configured.',
  });
  registry.registerComponent('securitySchemes', 'apiKey', {
    type: 'apiKey',
    in: 'header',
    name: 'x-api-key',
    description: 'The same key, in its own header.',
  });
  registry.registerPath({
    method: 'get',
    path: '/',
    operationId: 'info',
    summary: 'The API: its name, repository and endpoints.',
    responses: {
      200: ok('The API information, at the top level as the original wrapper had it, and under `data`.', InfoAnswer),
      500: FAILURES.InternalError,
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/health',
    operationId: 'health',
    summary: 'Whether the server answers, the Bing session, and the generations in progress.',
    responses: { 200: ok('The health.', envelope(Health)), 500: FAILURES.InternalError },
  });
  registry.registerPath({
    method: 'get',
    path: '/options',
    operationId: 'options',
    summary: 'The models and aspects, with the values accepted in their place.',
    responses: { 200: ok('The options.', envelope(Options)), 500: FAILURES.InternalError },
  });
  registry.registerPath({
    method: 'post',
    path: '/create/image',
    operationId: 'createImage',
    security: KEYED,
    summary: 'Generates images and waits for them (about 5-70 s depending on the model).',
    request: { body: body(ImageRequest) },
    responses: { 200: ok('The images.', envelope(ImageResult)), ...GENERATION_FAILURES },
  });
  registry.registerPath({
    method: 'post',
    path: '/create/video',
    operationId: 'createVideo',
    security: KEYED,
    summary: 'Submits a video and answers as soon as Bing accepted it; follow it with GET /task/{taskId}.',
    request: { body: body(VideoRequest) },
    responses: { 200: ok('The task of the video.', envelope(VideoAccepted)), ...GENERATION_FAILURES },
  });
  registry.registerPath({
    method: 'get',
    path: '/task/{taskId}',
    operationId: 'getTask',
    security: KEYED,
    summary: 'A task: its status and, once done, its video (or images) or its error.',
    request: {
      params: z.object({ taskId: z.string().openapi({ description: 'The `taskId` a create answered.' }) }),
    },
    responses: {
      200: ok('The task.', envelope(TaskView)),
      401: FAILURES.Unauthenticated,
      404: FAILURES.TaskNotFound,
      500: FAILURES.InternalError,
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/openapi.json',
    operationId: 'openapi',
    summary: 'This document.',
    responses: { 200: ok('The OpenAPI document.', z.object({}).passthrough()) },
  });

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Bing Image Creator REST API',
      version: '1.0.0',
      description:
        'The REST routes of the original Express wrapper, served beside GraphQL (POST /graphql) on the same port. ' +
        'Every success is `{ success: true, data, timestamp }`; every failure is `{ error: { message, type } }`. ' +
        'A known path asked with a method it does not take answers 405 with an `Allow` header; an unknown path answers 404. ' +
        'GET routes also answer HEAD, and every path answers CORS preflights (OPTIONS) with 204. ' +
        'When the server has API keys configured, the generations and the tasks need one; the other routes stay public.',
    },
  });
}

export const OPENAPI = document();
