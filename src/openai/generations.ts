/**
 * POST /v1/images/generations: the OpenAI request checked and mapped to the service's createImage, and its
 * task answered as `{ created, data: [{ url | b64_json, revised_prompt }] }`. For `b64_json` each image is
 * fetched by the server itself, only from a URL that passes the host checks, bounded in size and time.
 */
import type { Reply } from '../http/envelope.js';
import type { TaskService } from '../tasks/service.js';
import type { Caller, ImageAspect, ImageModel, ImageTask } from '../tasks/task.js';
import { allowedImageUrl, type FetchImage, type VideoImagePolicy } from '../tasks/video-image.js';
import { invalidRequest } from './errors.js';
import { MAX_IMAGES, MODEL_ALIASES, SIZES } from './models.js';

export interface ImageRequest {
  prompt: string;
  model: ImageModel;
  aspect: ImageAspect;
  n: number;
  format: 'url' | 'b64_json';
}

const FORMATS = ['url', 'b64_json'] as const;

/** The request, or the OpenAI-shaped 400 that names the field at fault. */
export function parseImageRequest(body: Record<string, unknown>): ImageRequest | Reply {
  const { prompt, model = 'dall-e-3', n = 1, size = '1024x1024', response_format: format = 'url' } = body;
  if (typeof prompt !== 'string' || prompt.trim() === '') return invalidRequest('prompt is required.', 'prompt');
  const mapped = typeof model === 'string' ? MODEL_ALIASES[model] : undefined;
  if (!mapped)
    return invalidRequest(
      `The model ${JSON.stringify(model)} does not exist. Use one of: ${Object.keys(MODEL_ALIASES).join(', ')}.`,
      'model',
      'model_not_found',
    );
  const max = MAX_IMAGES[mapped];
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > max)
    return invalidRequest(`n must be an integer from 1 to ${max} for ${model}.`, 'n');
  const aspect = typeof size === 'string' ? SIZES[size] : undefined;
  if (!aspect)
    return invalidRequest(
      `The size ${JSON.stringify(size)} is not supported. Use one of: ${Object.keys(SIZES).join(', ')}.`,
      'size',
    );
  if (typeof format !== 'string' || !(FORMATS as readonly string[]).includes(format))
    return invalidRequest('response_format must be url or b64_json.', 'response_format');
  return { prompt, model: mapped, aspect, n, format: format as ImageRequest['format'] };
}

export interface GenerationDeps {
  service: TaskService;
  fetchImage: FetchImage;
  /** Which image URLs the server fetches for b64_json, and how much of each. */
  policy: VideoImagePolicy;
}

export async function generate(deps: GenerationDeps, request: ImageRequest, caller: Caller): Promise<Reply> {
  const task: ImageTask = await deps.service.createImage(
    { query: request.prompt, model: request.model, aspect: request.aspect },
    caller,
  );
  const images = task.images.slice(0, request.n);
  const revised = task.revisedPrompt ?? task.prompt;
  const data =
    request.format === 'url'
      ? images.map((url) => ({ url, revised_prompt: revised }))
      : await Promise.all(
          images.map(async (url) => ({ b64_json: await base64Of(deps, url), revised_prompt: revised })),
        );
  return { status: 200, body: { created: Math.floor((task.completedAt ?? Date.now()) / 1000), data } };
}

/** Thrown when an image Bing returned cannot be fetched for b64_json: an upstream failure. */
export class ImageFetchFailed extends Error {
  override readonly name = 'ImageFetchFailed';
}

async function base64Of(deps: GenerationDeps, url: string): Promise<string> {
  let allowed: URL;
  try {
    allowed = allowedImageUrl(url, deps.policy);
  } catch {
    throw new ImageFetchFailed(
      'An image came from a host the server does not fetch from; ask for response_format url.',
    );
  }
  const fetched = await deps.fetchImage(allowed, {
    maxBytes: deps.policy.maxBytes,
    timeoutMs: deps.policy.fetchTimeoutMs,
  });
  if (fetched.outcome !== 'ok')
    throw new ImageFetchFailed(
      `An image could not be fetched from Bing (${fetched.outcome}); ask for response_format url.`,
    );
  return fetched.bytes.toString('base64');
}
