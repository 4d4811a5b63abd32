/**
 * The media mirror's words, below every surface: which URLs of a task are its media, which of them may be
 * fetched, the index of what was mirrored for which task, and the ports the mirror (src/media/) is built on.
 */
import type { Task } from './task.js';

/** The task's media URLs in the order the views list them: the images, or the video once there is one. */
export function mediaSources(task: Task): string[] {
  if (task.kind === 'IMAGE') return task.images;
  return task.video === null ? [] : [task.video];
}

function isBingHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === 'bing.com' || host.endsWith('.bing.com');
}

/**
 * The URL, if the mirror may fetch it: the same host rule the Bing client applied before the URL reached
 * the task (https on a Bing host, or the configured Bing origin itself, which is how a simulator serves
 * its media), checked again here since nothing else stands between a stored URL and a download.
 */
export function mirrorableUrl(raw: string, origin: string): URL | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.username || url.password) return null;
  if (url.origin === new URL(origin).origin) return url;
  return url.protocol === 'https:' && isBingHost(url.hostname) ? url : null;
}

/** One mirrored file as a task refers to it. */
export interface MediaEntry {
  /** The file's name: its SHA-256 in hex plus the extension of its content type. */
  name: string;
  taskId: string;
  /** The task's owner (an API key's id), null when keys are off. */
  owner: string | null;
  /** The Bing URL the file was downloaded from. */
  source: string;
}

/**
 * Which task refers to which mirrored file. The files on disk are the truth; the index only says whose
 * they are and which URL each replaces. A store keeps it beside its tasks and forgets a task's entries
 * when the task is deleted.
 */
export interface MediaIndex {
  add(entry: MediaEntry): Promise<void>;
  /** The entries of one task, source URL to file name. */
  ofTask(taskId: string): Promise<Map<string, string>>;
  /** Whether a task of this owner refers to the file. */
  ownedBy(name: string, owner: string): Promise<boolean>;
  /** Forgets every entry of an evicted file. */
  forget(name: string): Promise<void>;
}

/** The mirrored copies of a task's media, as the views show them. */
export interface MediaLinks {
  /** For each of `mediaSources(task)`, the path its copy is served at, or null while there is none. */
  mirrorsOf(task: Task): Promise<Array<string | null>>;
}

/** What one media download came to; the bytes went to `sink` as they arrived. */
export type FetchedMedia =
  | { outcome: 'ok'; contentType: string }
  | { outcome: 'status'; status: number }
  | { outcome: 'unsupported'; contentType: string }
  | { outcome: 'too-large'; bytes?: number }
  | { outcome: 'timeout' }
  | { outcome: 'unreachable' };

export interface MediaSink {
  /** Called once the answer's content type is known to be taken, before the first byte. */
  accepts(contentType: string): boolean;
  write(chunk: Buffer): Promise<void>;
}

/** One GET of `url`, no redirects followed, its body streamed to `sink`: at most `maxBytes`, within `timeoutMs`. */
export type FetchMedia = (
  url: URL,
  limits: { maxBytes: number; timeoutMs: number },
  sink: MediaSink,
  signal: AbortSignal,
) => Promise<FetchedMedia>;
