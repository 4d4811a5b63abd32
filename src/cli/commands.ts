/** The CLI's commands: each talks to the server, shows progress, saves results and returns what it did. */
import { download, slug } from './download.js';
import { CliFailure } from './failure.js';
import { progress } from './progress.js';
import { follow, graphql, type ServerOptions } from './server.js';

export interface Output {
  /** For people: printed on stdout, a line each. */
  lines: string[];
  /** For scripts (`--json`). */
  json: unknown;
}

export interface Common {
  server: ServerOptions;
  json: boolean;
}

interface ErrorShape {
  __typename: string;
  code?: string;
  message?: string;
}

function refused(result: ErrorShape): never {
  throw new CliFailure(result.code ?? 'SERVER', result.message ?? `The server answered ${result.__typename}.`);
}

const CREATE_IMAGE = /* GraphQL */ `
  mutation CreateImage($input: CreateImageInput!) {
    createImage(input: $input) {
      __typename
      ... on ImageGeneration { taskId prompt model aspect images { url } }
      ... on Error { code message }
    }
  }
`;

export async function image(
  prompt: string,
  options: Common & { model: string; aspect: string; out: string },
): Promise<Output> {
  const shown = progress('image', process.stderr, options.json);
  shown.status('GENERATING');
  const input = { query: prompt, model: options.model.toUpperCase(), aspect: options.aspect.toUpperCase() };
  let result: ErrorShape & { taskId?: string; model?: string; images?: Array<{ url: string }> };
  try {
    ({ createImage: result } = await graphql<{ createImage: typeof result }>(options.server, CREATE_IMAGE, { input }));
  } catch (error) {
    shown.done('image: failed');
    throw error;
  }
  if (result.__typename !== 'ImageGeneration') {
    shown.done('image: FAILED');
    refused(result);
  }
  shown.done(`image: COMPLETED (${result.images!.length} images, task ${result.taskId})`);
  const base = `${slug(prompt)}-${result.model!.toLowerCase()}`;
  const files: string[] = [];
  for (const [index, { url }] of result.images!.entries()) {
    files.push(await download(url, options.out, `${base}-${index + 1}`));
  }
  return {
    lines: files,
    json: { taskId: result.taskId, status: 'COMPLETED', model: result.model, images: result.images, files },
  };
}

const VIDEO_FIELDS = 'id status mode video error errorCode';
const CREATE_VIDEO = /* GraphQL */ `
  mutation CreateVideo($input: CreateVideoInput!) {
    createVideo(input: $input) {
      __typename
      ... on VideoTask { ${VIDEO_FIELDS} }
      ... on Error { code message }
    }
  }
`;

interface VideoState {
  id: string;
  status: string;
  mode: string | null;
  video: string | null;
  error: string | null;
  errorCode: string | null;
}

const TERMINAL = new Set(['COMPLETED', 'FAILED']);

/** Follows a video over graphql-ws, or by polling `task(id)` when the socket fails, until it ends. */
async function untilEnded(
  server: ServerOptions,
  start: VideoState,
  onState: (state: VideoState) => void,
  deadlineAt: number,
): Promise<VideoState> {
  let last = start;
  const seen = (state: VideoState) => {
    last = state;
    onState(state);
  };
  if (!TERMINAL.has(last.status)) {
    try {
      await follow<{ videoTaskUpdated: VideoState }>(
        server,
        `subscription Follow($id: ID!) { videoTaskUpdated(id: $id) { ${VIDEO_FIELDS} } }`,
        { id: start.id },
        (data) => seen(data.videoTaskUpdated),
      );
    } catch (error) {
      if (error instanceof CliFailure) throw error;
      // The socket failed (a proxy that refuses upgrades, say): polling sees the same states, later.
    }
  }
  while (!TERMINAL.has(last.status)) {
    if (Date.now() > deadlineAt) throw new CliFailure('TIMEOUT', `Video ${start.id} did not finish in time.`);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const { task } = await graphql<{ task: VideoState | null }>(
      server,
      `query Poll($id: ID!) { task(id: $id) { ... on VideoTask { ${VIDEO_FIELDS} } } }`,
      { id: start.id },
    );
    if (!task) throw new CliFailure('NOT_FOUND', `Video ${start.id} is no longer known to the server.`);
    seen(task);
  }
  return last;
}

export async function video(
  prompt: string,
  options: Common & { mode?: string; aspect: string; out: string; timeoutSeconds: number },
): Promise<Output> {
  const shown = progress('video', process.stderr, options.json);
  const input = {
    query: prompt,
    aspect: options.aspect.toUpperCase(),
    ...(options.mode ? { mode: options.mode.toUpperCase() } : {}),
  };
  let created: ErrorShape & Partial<VideoState>;
  try {
    ({ createVideo: created } = await graphql<{ createVideo: typeof created }>(options.server, CREATE_VIDEO, {
      input,
    }));
  } catch (error) {
    shown.done('video: failed');
    throw error;
  }
  if (created.__typename !== 'VideoTask') {
    shown.done('video: FAILED');
    refused(created);
  }
  const task = created as VideoState;
  shown.status(task.status);
  const end = await untilEnded(
    options.server,
    task,
    (state) => shown.status(state.status),
    Date.now() + options.timeoutSeconds * 1000,
  );
  if (end.status === 'FAILED') {
    shown.done(`video: FAILED (task ${end.id})`);
    throw new CliFailure(end.errorCode ?? 'UPSTREAM', end.error ?? 'The video failed.');
  }
  shown.done(`video: COMPLETED (${end.mode ?? 'video'}, task ${end.id})`);
  const file = await download(end.video!, options.out, `${slug(prompt)}-sora-${(end.mode ?? 'video').toLowerCase()}-1`);
  return {
    lines: [file],
    json: { taskId: end.id, status: end.status, mode: end.mode, video: end.video, files: [file] },
  };
}

const TASK = /* GraphQL */ `
  query Task($id: ID!) {
    task(id: $id) {
      __typename id kind status prompt error errorCode createdAt completedAt
      ... on ImageTask { model imageAspect: aspect revisedPrompt images { url } }
      ... on VideoTask { videoAspect: aspect mode video width height durationSeconds }
    }
  }
`;

export async function task(id: string, options: Common & { out?: string | undefined }): Promise<Output> {
  const { task: found } = await graphql<{ task: Record<string, unknown> | null }>(options.server, TASK, { id });
  if (!found) throw new CliFailure('NOT_FOUND', `No task ${id} (or it is not yours).`);
  const lines = [
    `${found.kind} ${found.id}: ${found.status}`,
    `prompt: ${found.prompt}`,
    ...(found.model ? [`model: ${found.model}, aspect: ${found.imageAspect}`] : [`aspect: ${found.videoAspect}`]),
    ...(found.mode ? [`mode: ${found.mode}`] : []),
    ...(found.width ? [`size: ${found.width}x${found.height}`] : []),
    ...(found.durationSeconds ? [`duration: ${found.durationSeconds} s`] : []),
    ...((found.images as Array<{ url: string }> | undefined) ?? []).map((image) => `image: ${image.url}`),
    ...(found.video ? [`video: ${found.video}`] : []),
    ...(found.error ? [`error: ${found.errorCode}: ${found.error}`] : []),
  ];
  const files: string[] = [];
  if (options.out && found.status === 'COMPLETED') {
    const urls = found.video ? [found.video as string] : (found.images as Array<{ url: string }>).map((i) => i.url);
    const model =
      found.kind === 'VIDEO'
        ? `sora-${String(found.mode ?? 'video').toLowerCase()}`
        : String(found.model).toLowerCase();
    for (const [index, url] of urls.entries()) {
      files.push(await download(url, options.out, `${slug(String(found.prompt))}-${model}-${index + 1}`));
    }
  }
  return { lines: [...lines, ...files], json: { ...found, files } };
}

const ACCOUNTS = /* GraphQL */ `
  query Accounts {
    accounts { label state boosts fastCreationsLeft inFlight lastErrorCode coolingUntil }
  }
`;

export async function accounts(options: Common): Promise<Output> {
  const { accounts: list } = await graphql<{ accounts: Array<Record<string, unknown>> }>(options.server, ACCOUNTS);
  const shown = (value: unknown) => (value === null || value === undefined ? '-' : String(value));
  const lines = list.map(
    (account) =>
      `${shown(account.label)}\t${shown(account.state)}\tboosts ${shown(account.boosts)}\tfast ${shown(account.fastCreationsLeft)}\tin flight ${shown(account.inFlight)}\tlast error ${shown(account.lastErrorCode)}${account.coolingUntil ? `\tcooling until ${account.coolingUntil}` : ''}`,
  );
  return { lines: lines.length > 0 ? lines : ['no accounts configured'], json: list };
}
