/**
 * The REST routes as an OpenAPI 3.1 document, served at GET /openapi.json. Written by hand to match
 * what routes.ts and reply.ts answer; test/rest/openapi.test.ts checks it against live answers.
 */
import { IMAGE_ASPECT_NAMES, IMAGE_ASPECTS, IMAGE_MODEL_NAMES, IMAGE_MODELS, VIDEO_ASPECT_NAMES, VIDEO_ASPECTS } from '../bing/protocol.js';
import { ERROR_STATUS, type ErrorType } from './reply.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const response = (name: string) => ({ $ref: `#/components/responses/${name}` });

const nullable = (type: string, extra: Record<string, unknown> = {}) => ({ type: [type, 'null'], ...extra });

const choices = (names: readonly string[], values: Record<string, number>) =>
  names.map((name) => `${name} (${values[name]})`).join(', ');

const modelValues = Object.fromEntries(IMAGE_MODEL_NAMES.map((n) => [n, IMAGE_MODELS[n].mdl]));
const imageAspectValues = Object.fromEntries(IMAGE_ASPECT_NAMES.map((n) => [n, IMAGE_ASPECTS[n].ar]));
const videoAspectValues = Object.fromEntries(VIDEO_ASPECT_NAMES.map((n) => [n, VIDEO_ASPECTS[n].ar]));

/** A success envelope around the schema of its `data`. */
const envelope = (data: Record<string, unknown>) => ({
  type: 'object',
  required: ['success', 'data', 'timestamp'],
  properties: { success: { const: true }, data, timestamp: ref('Timestamp') },
});

const json = (schema: Record<string, unknown>) => ({ 'application/json': { schema } });

const typesOf = (status: number): ErrorType[] =>
  [...new Set(Object.values(ERROR_STATUS).filter((e) => e.status === status).map((e) => e.type))];

const errorResponse = (description: string, types: ErrorType[], headers?: Record<string, unknown>) => ({
  description,
  ...(headers ? { headers } : {}),
  content: json({
    allOf: [ref('Error')],
    properties: { error: { properties: { type: { enum: types } } } },
  }),
});

const prompt = {
  type: 'string',
  minLength: 1,
  description: 'The prompt. Tabs and line breaks become spaces; its length is limited by MAX_PROMPT_LENGTH (480 by default).',
  examples: ['a red fox in the snow, watercolor'],
};

const imageRequest = {
  type: 'object',
  required: ['query'],
  properties: {
    query: prompt,
    model: {
      type: ['string', 'integer'],
      default: 'DALLE',
      description: `The model: a name in any case or its value, as a number or a numeric string: ${choices(IMAGE_MODEL_NAMES, modelValues)}.`,
      examples: ['GPT4O', 1],
    },
    aspect: {
      type: ['string', 'integer'],
      default: 'SQUARE',
      description: `The aspect: a name in any case or its value: ${choices(IMAGE_ASPECT_NAMES, imageAspectValues)}.`,
      examples: ['PORTRAIT', 3],
    },
  },
};

const videoRequest = {
  type: 'object',
  required: ['query'],
  properties: {
    query: prompt,
    aspect: {
      type: ['string', 'integer'],
      default: 'PORTRAIT',
      description: `The aspect: a name in any case or its value: ${choices(VIDEO_ASPECT_NAMES, videoAspectValues)}.`,
      examples: ['LANDSCAPE'],
    },
    mode: {
      type: 'string',
      description:
        'fast (spends one of the account\'s free fast creations) or standard (spends nothing, takes much longer), any case. ' +
        'Left out: fast while fast creations remain, otherwise standard.',
      examples: ['standard'],
    },
    image: {
      type: 'object',
      description:
        'Image-to-video (JSON bodies): exactly one of base64 (PNG, JPEG or WebP, at most MAX_IMAGE_BYTES, 4 MB by default) ' +
        'or url (a Bing image URL this server returned; any https URL with VIDEO_IMAGE_FETCH=any).',
      properties: {
        base64: { type: 'string', contentEncoding: 'base64' },
        url: { type: 'string', format: 'uri' },
      },
    },
  },
};

const body = (schema: Record<string, unknown>) => ({
  required: true,
  description: 'JSON (also accepted without a Content-Type when it starts with `{`) or an urlencoded form.',
  content: { 'application/json': { schema }, 'application/x-www-form-urlencoded': { schema } },
});

/** An API key when the server has keys configured (API_KEYS); none when it has not. */
const KEYED = [{ bearer: [] }, { apiKey: [] }, {}];

/** The failures every generation can end with. */
const generationFailures = {
  '400': response('BadRequest'),
  '401': response('Unauthorized'),
  '413': response('PayloadTooLarge'),
  '415': response('UnsupportedMediaType'),
  '422': response('Unprocessable'),
  '429': response('TooManyRequests'),
  '500': response('InternalError'),
  '502': response('BadGateway'),
  '504': response('GatewayTimeout'),
};

export const OPENAPI = {
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
  paths: {
    '/': {
      get: {
        operationId: 'info',
        summary: 'The API: its name, repository and endpoints.',
        responses: {
          '200': {
            description: 'The API information, at the top level as the original wrapper had it, and under `data`.',
            content: json({
              allOf: [envelope(ref('Info')), ref('Info')],
            }),
          },
          '500': response('InternalError'),
        },
      },
    },
    '/health': {
      get: {
        operationId: 'health',
        summary: 'Whether the server answers, the Bing session, and the generations in progress.',
        responses: { '200': { description: 'The health.', content: json(envelope(ref('Health'))) }, '500': response('InternalError') },
      },
    },
    '/options': {
      get: {
        operationId: 'options',
        summary: 'The models and aspects, with the values accepted in their place.',
        responses: { '200': { description: 'The options.', content: json(envelope(ref('Options'))) }, '500': response('InternalError') },
      },
    },
    '/create/image': {
      post: {
        operationId: 'createImage',
        security: KEYED,
        summary: 'Generates images and waits for them (about 5-70 s depending on the model).',
        requestBody: body(imageRequest),
        responses: {
          '200': { description: 'The images.', content: json(envelope(ref('ImageResult'))) },
          ...generationFailures,
        },
      },
    },
    '/create/video': {
      post: {
        operationId: 'createVideo',
        security: KEYED,
        summary: 'Submits a video and answers as soon as Bing accepted it; follow it with GET /task/{taskId}.',
        requestBody: body(videoRequest),
        responses: {
          '200': { description: 'The task of the video.', content: json(envelope(ref('VideoAccepted'))) },
          ...generationFailures,
        },
      },
    },
    '/task/{taskId}': {
      get: {
        operationId: 'getTask',
        security: KEYED,
        summary: 'A task: its status and, once done, its video (or images) or its error.',
        parameters: [{ name: 'taskId', in: 'path', required: true, schema: { type: 'string' }, description: 'The `taskId` a create answered.' }],
        responses: {
          '200': { description: 'The task.', content: json(envelope(ref('Task'))) },
          '401': response('Unauthenticated'),
          '404': response('TaskNotFound'),
          '500': response('InternalError'),
        },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'openapi',
        summary: 'This document.',
        responses: { '200': { description: 'The OpenAPI document.', content: json({ type: 'object' }) } },
      },
    },
  },
  components: {
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: 'An API key, when the server has keys configured.' },
      apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'The same key, in its own header.' },
    },
    schemas: {
      Timestamp: { type: 'string', format: 'date-time', description: 'When the answer was made (ISO 8601).' },
      Error: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['message', 'type'],
            properties: {
              message: { type: 'string', description: 'A sentence for people; for invalid input it names the field and the valid values.' },
              type: { enum: [...new Set([...Object.values(ERROR_STATUS).map((e) => e.type), 'authentication_error'])] },
            },
          },
        },
      },
      Info: {
        type: 'object',
        required: ['name', 'version', 'repository', 'endpoints'],
        properties: {
          name: { type: 'string' },
          version: nullable('string'),
          repository: nullable('string', { description: 'The source repository, when package.json names one.' }),
          endpoints: {
            type: 'object',
            required: ['info', 'health', 'create_image', 'create_video', 'get_task', 'options', 'graphql', 'openapi'],
            additionalProperties: { type: 'string' },
          },
        },
      },
      Health: {
        type: 'object',
        required: ['status', 'cookie', 'session', 'activeTasks', 'upstream'],
        properties: {
          status: { const: 'ok' },
          cookie: { enum: ['set', 'not set'], description: 'Whether a Bing _U cookie is configured (never the cookie).' },
          session: { enum: ['active', 'inactive', 'expired'] },
          activeTasks: { type: 'integer', minimum: 0, description: 'Tasks still queued or processing.' },
          upstream: { enum: ['bing', 'simulator'] },
          videoAccounts: {
            type: 'array',
            description: 'Per Bing account (by fingerprint, never the cookie): the free fast video creations left, null until Bing said.',
            items: {
              type: 'object',
              required: ['account', 'fastCreationsLeft'],
              properties: { account: { type: 'string' }, fastCreationsLeft: nullable('integer', { minimum: 0 }) },
            },
          },
        },
      },
      Options: {
        type: 'object',
        required: ['models', 'aspects', 'videoAspects'],
        properties: {
          models: {
            type: 'array',
            items: {
              type: 'object',
              required: ['id', 'value', 'description'],
              properties: { id: { enum: IMAGE_MODEL_NAMES }, value: { type: 'integer' }, description: { type: 'string' } },
            },
          },
          aspects: {
            type: 'array',
            items: {
              type: 'object',
              required: ['id', 'value', 'ratio'],
              properties: { id: { enum: IMAGE_ASPECT_NAMES }, value: { type: 'integer' }, ratio: { type: 'string', examples: ['7:4'] } },
            },
          },
          videoAspects: {
            type: 'array',
            items: {
              type: 'object',
              required: ['id', 'value'],
              properties: { id: { enum: VIDEO_ASPECT_NAMES }, value: { type: 'integer' } },
            },
          },
        },
      },
      ImageResult: {
        type: 'object',
        required: ['images', 'prompt', 'model', 'aspect', 'taskId'],
        properties: {
          images: { type: 'array', items: { type: 'string', format: 'uri' }, description: 'Full-resolution image URLs.' },
          prompt: { type: 'string', description: 'The prompt as Bing revised it, when it did; else the prompt sent.' },
          model: { enum: IMAGE_MODEL_NAMES },
          aspect: { enum: IMAGE_ASPECT_NAMES },
          taskId: { type: 'string', format: 'uuid', description: 'The task that recorded this generation.' },
        },
      },
      VideoAccepted: {
        type: 'object',
        required: ['taskId', 'prompt'],
        properties: {
          taskId: { type: 'string', format: 'uuid' },
          prompt: { type: 'string' },
        },
      },
      Task: {
        type: 'object',
        required: ['id', 'status', 'prompt', 'video', 'error', 'createdAt', 'completedAt'],
        properties: {
          id: { type: 'string', format: 'uuid' },
          status: {
            enum: ['queued', 'processing', 'completed', 'failed'],
            description: 'queued: waiting for a free generation slot, nothing sent to Bing yet.',
          },
          prompt: { type: 'string' },
          video: nullable('string', { format: 'uri', description: 'The video URL once completed (video tasks).' }),
          error: nullable('string', { description: 'Why it failed, once failed.' }),
          createdAt: { type: 'string', format: 'date-time' },
          completedAt: nullable('string', { format: 'date-time' }),
          images: { type: 'array', items: { type: 'string', format: 'uri' }, description: 'Image tasks only.' },
          mode: { enum: ['fast', 'standard', null], description: 'Video tasks only: the mode Bing took it in (null while queued with the mode left open).' },
          width: nullable('integer', { description: 'Video tasks only: the width in pixels, where Bing reported it.' }),
          height: nullable('integer', { description: 'Video tasks only: the height in pixels, where Bing reported it.' }),
          durationSeconds: nullable('number', { description: 'Video tasks only: the length in seconds, where Bing reported it.' }),
        },
      },
    },
    responses: {
      BadRequest: errorResponse(
        'Missing or invalid parameters (the message names the field and the valid values), malformed JSON, ' +
          'a body that is not an object, or a body that is not UTF-8.',
        typesOf(400),
      ),
      Unauthorized: errorResponse(
        'authentication_error: API keys are configured and the request has none, or a wrong one (with `WWW-Authenticate: Bearer`). ' +
          'auth_error: the Bing cookie is missing, invalid or expired.',
        ['authentication_error', ...typesOf(401)],
      ),
      Unauthenticated: errorResponse(
        'API keys are configured and the request has none, or a wrong one.',
        ['authentication_error'],
      ),
      TaskNotFound: errorResponse('No task has this id.', typesOf(404)),
      PayloadTooLarge: errorResponse('The body is larger than MAX_BODY_SIZE (100 KB by default); the connection is closed.', [
        'invalid_request_error',
      ]),
      UnsupportedMediaType: errorResponse(
        'The body is neither JSON nor an urlencoded form (or has a Content-Encoding).',
        ['invalid_request_error'],
      ),
      Unprocessable: errorResponse('Bing refused the prompt (content policy, review) or its language.', typesOf(422)),
      TooManyRequests: errorResponse('The Bing quota is used up or Bing is throttling.', typesOf(429), {
        'Retry-After': { description: 'Seconds to wait before trying again.', schema: { type: 'integer', minimum: 0 } },
      }),
      InternalError: errorResponse('Something failed inside the server; the message is generic.', typesOf(500)),
      BadGateway: errorResponse('Bing failed, was unreachable or answered something unreadable.', typesOf(502), {
        'Retry-After': { description: 'When the server is restarting: seconds to wait.', schema: { type: 'integer', minimum: 0 } },
      }),
      GatewayTimeout: errorResponse('Bing did not finish before the deadline (IMAGE_DEADLINE, VIDEO_DEADLINE).', typesOf(504)),
    },
  },
};
