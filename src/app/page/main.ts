/** The page at /app: the API key, the prompt form, and the gallery of the caller's tasks. */
import { Api, ApiError } from './api.js';
import {
  CREATE_IMAGE,
  CREATE_VIDEO,
  type CreatedImage,
  type CreatedVideo,
  GALLERY_QUERY,
  type TaskPage,
  OPTIONS_QUERY,
  type Options,
} from './documents.js';
import { Gallery } from './gallery.js';
import { errorInWords } from './words.js';

const PAGE_SIZE = 24;
const QUERY_TIMEOUT_MS = 30_000;
/** createImage answers when the images are there: up to the server's image deadline, and a wait for a slot. */
const CREATE_TIMEOUT_MS = 15 * 60_000;

function byId<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`The page has no #${id}.`);
  return node as T;
}

const api = new Api();
const gallery = new Gallery(byId('gallery'), api);
const keyForm = byId<HTMLFormElement>('key-form');
const keyInput = byId<HTMLInputElement>('api-key');
const keyState = byId('key-state');
const forget = byId<HTMLButtonElement>('forget-key');
const form = byId<HTMLFormElement>('create-form');
const prompt = byId<HTMLTextAreaElement>('prompt');
const model = byId<HTMLSelectElement>('model');
const aspect = byId<HTMLSelectElement>('aspect');
const videoAspect = byId<HTMLSelectElement>('video-aspect');
const mode = byId<HTMLSelectElement>('mode');
const notice = byId('notice');
const empty = byId('empty');
const more = byId<HTMLButtonElement>('more');

let after: string | null = null;

function say(text: string, problem = false): void {
  notice.textContent = text;
  notice.classList.toggle('problem', problem);
}

function sayError(error: unknown): void {
  if (error instanceof ApiError) say(errorInWords(error.code, error.message), true);
  else say(errorInWords(null, error instanceof Error ? error.message : String(error)), true);
}

function showKeyState(): void {
  keyState.textContent = api.key
    ? 'A key is saved in this browser.'
    : 'No key saved (needed when the server has API keys).';
  forget.hidden = !api.key;
}

function showEmpty(): void {
  empty.hidden = gallery.size > 0;
}

async function loadOptions(): Promise<void> {
  const { options } = await api.request<Options>(OPTIONS_QUERY, {}, QUERY_TIMEOUT_MS);
  fill(
    model,
    options.models.map((m) => ({ value: m.id, label: m.description || m.id })),
  );
  fill(
    aspect,
    options.aspects.map((a) => ({ value: a.id, label: `${label(a.id)} (${a.ratio})` })),
  );
  fill(
    videoAspect,
    options.videoAspects.map((a) => ({ value: a.id, label: label(a.id) })),
  );
}

const label = (id: string): string => id.charAt(0) + id.slice(1).toLowerCase();

/** Replaces a select's choices with the server's, keeping the current choice where it still exists. */
function fill(select: HTMLSelectElement, choices: Array<{ value: string; label: string }>): void {
  if (choices.length === 0) return;
  const current = select.value;
  select.replaceChildren(
    ...choices.map((choice) => {
      const option = document.createElement('option');
      option.value = choice.value;
      option.textContent = choice.label;
      return option;
    }),
  );
  if (choices.some((choice) => choice.value === current)) select.value = current;
}

async function loadPage(cursor: string | null): Promise<void> {
  const { tasks } = await api.request<TaskPage>(GALLERY_QUERY, { first: PAGE_SIZE, after: cursor }, QUERY_TIMEOUT_MS);
  const nodes = tasks.edges.map((edge) => edge.node);
  if (cursor) gallery.append(nodes);
  else gallery.merge(nodes);
  // A refresh of the first page must not lose the place of a "more" already loaded further down.
  if (cursor || after === null) {
    after = tasks.pageInfo.endCursor;
    more.hidden = !tasks.pageInfo.hasNextPage;
  }
  showEmpty();
}

/** Everything again, for a new key: options, then the first page of tasks. */
async function reload(): Promise<void> {
  gallery.clear();
  after = null;
  more.hidden = true;
  showEmpty();
  say('Loading your tasks…');
  try {
    await Promise.all([loadOptions(), loadPage(null)]);
    say('');
  } catch (error) {
    sayError(error);
  }
}

function promptText(): string | null {
  const text = prompt.value.trim();
  if (text) return text;
  say('Write a prompt first.', true);
  prompt.focus();
  return null;
}

async function createImage(): Promise<void> {
  const query = promptText();
  if (!query) return;
  const done = gallery.pending(query, model.value, aspect.value);
  empty.hidden = true;
  say('Creating the images…');
  try {
    const { createImage: result } = await api.request<CreatedImage>(
      CREATE_IMAGE,
      { input: { query, model: model.value, aspect: aspect.value } },
      CREATE_TIMEOUT_MS,
    );
    if (result.__typename === 'ImageGeneration') say('The images are ready.');
    else if ('code' in result) say(errorInWords(result.code, result.message, result.retryAfterSeconds), true);
  } catch (error) {
    sayError(error);
  }
  // The task is recorded (done or failed) whatever the answer: its own card, with the images or the error,
  // takes the place of the pending one.
  await loadPage(null).catch(sayError);
  done();
}

async function createVideo(): Promise<void> {
  const query = promptText();
  if (!query) return;
  say('Submitting the video…');
  try {
    const input: Record<string, string> = { query, aspect: videoAspect.value };
    if (mode.value) input['mode'] = mode.value;
    const { createVideo: result } = await api.request<CreatedVideo>(CREATE_VIDEO, { input }, CREATE_TIMEOUT_MS);
    if (result.__typename === 'VideoTask' && 'id' in result) {
      gallery.merge([result]);
      showEmpty();
      say('The video is on its way: its card shows the progress.');
    } else if ('code' in result) {
      say(errorInWords(result.code, result.message, result.retryAfterSeconds), true);
    }
  } catch (error) {
    sayError(error);
  }
}

keyForm.addEventListener('submit', (event) => {
  event.preventDefault();
  api.setKey(keyInput.value);
  keyInput.value = '';
  showKeyState();
  void reload();
});

forget.addEventListener('click', () => {
  api.setKey(null);
  showKeyState();
  void reload();
});

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const which = (event.submitter as HTMLButtonElement | null)?.value;
  void (which === 'video' ? createVideo() : createImage());
});

more.addEventListener('click', () => {
  void loadPage(after).catch(sayError);
});

showKeyState();
void reload();
