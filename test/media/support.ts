/** Shared by the media mirror tests: raw requests (paths sent as written), and waiting for a task's mirrors. */
import { request } from 'node:http';
import { expect, vi } from 'vitest';
import { gql } from '../support/stack.js';

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One request through node:http, the path exactly as given (fetch would resolve `..` before sending). */
export function raw(
  base: string,
  path: string,
  method = 'GET',
  headers: Record<string, string> = {},
): Promise<RawAnswer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export const CREATE_IMAGE = /* GraphQL */ `
  mutation ($query: String!) {
    createImage(input: { query: $query }) {
      __typename
      ... on ImageGeneration { taskId images { url mirrorUrl } }
      ... on Error { code message }
    }
  }
`;

export const CREATE_VIDEO = /* GraphQL */ `
  mutation ($query: String!) {
    createVideo(input: { query: $query, mode: FAST }) {
      __typename
      ... on VideoTask { id }
      ... on Error { code message }
    }
  }
`;

const TASK = /* GraphQL */ `
  query ($id: ID!) {
    task(id: $id) {
      status
      ... on ImageTask { images { url mirrorUrl } }
      ... on VideoTask { video mirrorUrl }
    }
  }
`;

export interface TaskMedia {
  status: string;
  images?: Array<{ url: string; mirrorUrl: string | null }>;
  video?: string | null;
  mirrorUrl?: string | null;
}

export async function taskMedia(url: string, id: string, headers: Record<string, string> = {}): Promise<TaskMedia> {
  const result = await gql<{ task: TaskMedia | null }>(url, TASK, { id }, headers);
  expect(result.errors).toBeUndefined();
  expect(result.data?.task).not.toBeNull();
  return result.data!.task!;
}

/** Creates an image (DALL-E: four of them) and returns its task id once it completed. */
export async function createImage(url: string, query: string, headers: Record<string, string> = {}): Promise<string> {
  const result = await gql<{ createImage: { __typename: string; taskId?: string } }>(
    url,
    CREATE_IMAGE,
    { query },
    headers,
  );
  expect(result.errors).toBeUndefined();
  expect(result.data?.createImage.__typename).toBe('ImageGeneration');
  return result.data!.createImage.taskId!;
}

/** The mirror paths of a task's images, once every one has one. */
export async function mirroredImages(url: string, id: string, headers: Record<string, string> = {}): Promise<string[]> {
  return vi.waitFor(
    async () => {
      const task = await taskMedia(url, id, headers);
      const paths = (task.images ?? []).map((image) => image.mirrorUrl);
      expect(paths.length).toBeGreaterThan(0);
      expect(paths.every((path) => path !== null)).toBe(true);
      return paths as string[];
    },
    { timeout: 20_000, interval: 50 },
  );
}

/** Waits for a video task to complete and its video to be mirrored; returns the task. */
export async function mirroredVideo(url: string, id: string): Promise<Required<TaskMedia>> {
  return vi.waitFor(
    async () => {
      const task = await taskMedia(url, id);
      expect(task.status).toBe('COMPLETED');
      expect(task.mirrorUrl).not.toBeNull();
      return task as Required<TaskMedia>;
    },
    { timeout: 30_000, interval: 50 },
  );
}

/** Waits until some log line contains `text`. */
export async function logged(logs: string[], text: string, count = 1): Promise<void> {
  await vi.waitFor(() => expect(logs.filter((line) => line.includes(text)).length).toBeGreaterThanOrEqual(count), {
    timeout: 20_000,
    interval: 25,
  });
}
