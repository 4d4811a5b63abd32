/**
 * The REST requests and answers as zod schemas: the routes validate what they read with them, and
 * /openapi.json is generated from them (openapi.ts), so the document cannot drift from the code.
 */
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { defaults } from '../config.js';
import { invalid } from '../tasks/errors.js';
import { OPTIONS } from '../tasks/options.js';
import {
  DEFAULT_IMAGE_ASPECT,
  DEFAULT_IMAGE_MODEL,
  DEFAULT_VIDEO_ASPECT,
  IMAGE_ASPECT_NAMES,
  IMAGE_MODEL_NAMES,
  VIDEO_ASPECT_NAMES,
} from '../tasks/task.js';
import type { ErrorType } from './reply.js';

extendZodWithOpenApi(z);

const DEFAULTS = defaults();
const choices = (list: ReadonlyArray<{ id: string; value: number }>) =>
  list.map((c) => `${c.id} (${c.value})`).join(', ');

/** A name in any case, or its number (also as a numeric string); tasks/input.ts resolves it. */
const choice = (
  field: string,
  list: ReadonlyArray<{ id: string; value: number }>,
  fallback: string,
  examples: Array<string | number>,
) =>
  z
    .union([z.string(), z.number()], {
      errorMap: () => ({ message: `Invalid parameter: ${field} must be one of ${choices(list)}.` }),
    })
    .nullish()
    .openapi({
      type: ['string', 'integer'],
      default: fallback,
      description: `The ${field}: a name in any case or its value, as a number or a numeric string: ${choices(list)}.`,
      examples,
    });

const prompt = z
  .string({
    errorMap: (_, ctx) => ({
      message:
        ctx.data === undefined || ctx.data === null
          ? 'Missing required parameter: query (the prompt, a string).'
          : 'Invalid parameter: query must be a string.',
    }),
  })
  .openapi({
    minLength: 1,
    description: `The prompt. Tabs and line breaks become spaces; its length is limited by MAX_PROMPT_LENGTH (${DEFAULTS.limits.maxPromptLength} by default).`,
    examples: ['a red fox in the snow, watercolor'],
  });

export const ImageRequest = z
  .object({
    query: prompt,
    model: choice('model', OPTIONS.models, DEFAULT_IMAGE_MODEL, ['GPT4O', 1]),
    aspect: choice('aspect', OPTIONS.aspects, DEFAULT_IMAGE_ASPECT, ['PORTRAIT', 3]),
  })
  .openapi('ImageRequest');

export const VideoRequest = z
  .object({
    query: prompt,
    aspect: choice('aspect', OPTIONS.videoAspects, DEFAULT_VIDEO_ASPECT, ['LANDSCAPE']),
    // The values are checked by tasks/ (any case), as over GraphQL.
    mode: z
      .unknown()
      .optional()
      .openapi({
        type: 'string',
        enum: ['fast', 'standard'],
        description:
          "fast spends one of the Bing account's free fast creations; standard spends nothing and takes much longer. Any case. " +
          'Left out: fast while fast creations remain, otherwise standard.',
        examples: ['standard'],
      }),
    // Checked by tasks/ (type by its bytes, size, the URL policy), so that every surface names the same field.
    image: z
      .unknown()
      .optional()
      .openapi({
        type: 'object',
        description:
          `Image-to-video (JSON bodies): exactly one of base64 (PNG, JPEG or WebP, at most MAX_IMAGE_BYTES, ${DEFAULTS.videoImage.maxBytes} bytes by default) ` +
          'or url (a Bing image URL this server returned; any https URL with VIDEO_IMAGE_FETCH=any).',
        properties: {
          base64: { type: 'string', contentEncoding: 'base64' },
          url: { type: 'string', format: 'uri' },
        },
      }),
  })
  .openapi('VideoRequest');

export const Timestamp = z
  .string()
  .datetime()
  .openapi('Timestamp', { description: 'When the answer was made (ISO 8601).' });

/** The success envelope around `data`. Objects are strict: an answer has exactly the documented fields. */
export const envelope = <T extends z.ZodTypeAny>(data: T) =>
  z.object({ success: z.literal(true), data, timestamp: Timestamp }).strict();

const nullableString = () => z.string().nullable();

/** MEDIA_MIRROR's copies, beside the Bing URLs; absent when the mirror is off. */
const mirrors = (of: string) =>
  z
    .array(
      z
        .string()
        .regex(/^\/media\/[0-9a-f]{64}\.[a-z0-9]+$/)
        .nullable(),
    )
    .optional()
    .openapi({
      description: `With MEDIA_MIRROR on: for each of ${of}, in the same order, the path of the server's own copy (GET /media/<sha256>.<ext>), or null until it is downloaded (or when the download failed). Absent when the mirror is off.`,
      examples: [['/media/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.jpg']],
    });

export const Info = z
  .object({
    name: z.string(),
    version: nullableString(),
    repository: nullableString().openapi({ description: 'The source repository, when package.json names one.' }),
    endpoints: z
      .object({
        info: z.string(),
        health: z.string(),
        create_image: z.string(),
        create_video: z.string(),
        get_task: z.string(),
        options: z.string(),
        graphql: z.string(),
        openapi: z.string(),
      })
      .strict(),
  })
  .strict()
  .openapi('Info');

/** The original wrapper answered the information at the top level; it is also under `data`. */
export const InfoAnswer = envelope(Info).merge(Info).strict();

export const Health = z
  .object({
    status: z.literal('ok'),
    cookie: z
      .enum(['set', 'not set'])
      .openapi({ description: 'Whether a Bing _U cookie is configured (never the cookie).' }),
    session: z.enum(['active', 'inactive', 'expired']),
    activeTasks: z.number().int().min(0).openapi({ description: 'Tasks still queued or processing.' }),
    upstream: z.enum(['bing', 'simulator']),
    videoAccounts: z
      .array(
        z
          .object({
            account: z.string().openapi({ description: "The account's fingerprint (never its cookie)." }),
            fastCreationsLeft: z
              .number()
              .int()
              .min(0)
              .nullable()
              .openapi({ description: 'Free fast video creations left; null until Bing said.' }),
          })
          .strict(),
      )
      .openapi({ description: 'Per Bing account: what the video creator says of it.' }),
    boosts: z
      .array(
        z
          .object({
            account: z.string().openapi({ description: "The account's fingerprint (never its cookie)." }),
            known: z.boolean().openapi({ description: "Whether Bing's page has shown the balance." }),
            remaining: z
              .number()
              .int()
              .min(0)
              .nullable()
              .openapi({ description: 'Boosts (fast image creations) left; null while unknown.' }),
          })
          .strict(),
      )
      .openapi({ description: 'Per Bing account: the boosts left, as the Image Creator page last said.' }),
  })
  .strict()
  .openapi('Health');

const [firstModel, ...otherModels] = IMAGE_MODEL_NAMES;
const [firstAspect, ...otherAspects] = IMAGE_ASPECT_NAMES;
const [firstVideoAspect, ...otherVideoAspects] = VIDEO_ASPECT_NAMES;
const ImageModel = z.enum([firstModel!, ...otherModels]);
const ImageAspect = z.enum([firstAspect!, ...otherAspects]);
const VideoAspect = z.enum([firstVideoAspect!, ...otherVideoAspects]);

export const Options = z
  .object({
    models: z.array(z.object({ id: ImageModel, value: z.number().int(), description: z.string() }).strict()),
    aspects: z.array(
      z.object({ id: ImageAspect, value: z.number().int(), ratio: z.string().openapi({ examples: ['7:4'] }) }).strict(),
    ),
    videoAspects: z.array(z.object({ id: VideoAspect, value: z.number().int() }).strict()),
  })
  .strict()
  .openapi('Options');

export const ImageResult = z
  .object({
    images: z.array(z.string().url()).openapi({ description: 'Full-resolution image URLs.' }),
    prompt: z.string().openapi({ description: 'The prompt as Bing revised it, when it did; else the prompt sent.' }),
    model: ImageModel,
    aspect: ImageAspect,
    taskId: z.string().uuid().openapi({ description: 'The task that recorded this generation.' }),
    mirrors: mirrors('images'),
  })
  .strict()
  .openapi('ImageResult');

export const VideoAccepted = z
  .object({ taskId: z.string().uuid(), prompt: z.string() })
  .strict()
  .openapi('VideoAccepted');

export const TaskView = z
  .object({
    id: z.string().uuid(),
    status: z.enum(['queued', 'processing', 'completed', 'failed']).openapi({
      description: 'queued: waiting for a free generation slot, nothing sent to Bing yet.',
    }),
    prompt: z.string(),
    video: z.string().url().nullable().openapi({ description: 'The video URL once completed (video tasks).' }),
    error: nullableString().openapi({ description: 'Why it failed, once failed.' }),
    createdAt: z.string().datetime(),
    completedAt: z.string().datetime().nullable(),
    images: z.array(z.string().url()).optional().openapi({ description: 'Image tasks only.' }),
    mode: z.enum(['fast', 'standard']).nullable().optional().openapi({
      description: 'Video tasks only: the mode Bing took it in (null while queued with the mode left open).',
    }),
    width: z
      .number()
      .int()
      .positive()
      .nullable()
      .optional()
      .openapi({ description: 'Video tasks only: the width in pixels, where Bing reported it.' }),
    height: z
      .number()
      .int()
      .positive()
      .nullable()
      .optional()
      .openapi({ description: 'Video tasks only: the height in pixels, where Bing reported it.' }),
    durationSeconds: z
      .number()
      .positive()
      .nullable()
      .optional()
      .openapi({ description: 'Video tasks only: the length in seconds, where Bing reported it.' }),
    mirrors: mirrors('images (image tasks), or the video once there is one (video tasks)'),
  })
  .strict()
  .openapi('Task');

/** What `schema` accepts of `fields`, or the INVALID_REQUEST of its first problem, naming the field. */
export function validated<T extends z.ZodTypeAny>(schema: T, fields: unknown): z.output<T> {
  const parsed = schema.safeParse(fields);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw invalid(String(issue.path[0] ?? 'body'), issue.message);
}

/** The error envelope, its `type` limited to those a status can carry. */
export function errorOf(name: string, types: readonly [ErrorType, ...ErrorType[]]) {
  return z
    .object({
      error: z
        .object({
          message: z.string().openapi({
            description: 'A sentence for people; for invalid input it names the field and the valid values.',
          }),
          type: z.enum(types),
        })
        .strict(),
    })
    .strict()
    .openapi(name);
}
