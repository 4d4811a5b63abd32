/** Creating and reading tasks over GraphQL, for the durability tests. */
import { gql } from '../support/stack.js';

export interface TaskView {
  id: string;
  kind: string;
  status: string;
  error: string | null;
  errorCode: string | null;
  video: string | null;
  createdAt: string;
  completedAt: string | null;
}

/** Submits a video and returns its task id; throws with the response when it was refused. */
export async function createVideo(url: string, prompt: string): Promise<string> {
  const result = await gql<{ createVideo: { id?: string } }>(
    url,
    'mutation ($q: String!) { createVideo(input: { query: $q }) { ... on VideoTask { id } ... on Error { code message } } }',
    { q: prompt },
  );
  const id = result.data?.createVideo.id;
  if (!id) throw new Error(`createVideo failed: ${JSON.stringify(result)}`);
  return id;
}

/** GraphQL `task(id)`; throws when it is unknown. */
export async function readTask(url: string, id: string): Promise<TaskView> {
  const result = await gql<{ task: TaskView | null }>(
    url,
    `query ($id: ID!) {
       task(id: $id) { id kind status error errorCode createdAt completedAt ... on VideoTask { video } }
     }`,
    { id },
  );
  if (!result.data?.task) throw new Error(`task ${id} not found: ${JSON.stringify(result)}`);
  return result.data.task;
}

export async function activeTasks(url: string): Promise<number | undefined> {
  return (await gql<{ health: { activeTasks: number } }>(url, '{ health { activeTasks } }')).data?.health.activeTasks;
}

/** REST `POST /create/video`; returns the task id. */
export async function restCreateVideo(url: string, prompt: string): Promise<string> {
  const response = await fetch(`${url}/create/video`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: prompt }),
  });
  const body = (await response.json()) as { data?: { taskId?: string } };
  if (response.status !== 200 || !body.data?.taskId)
    throw new Error(`POST /create/video: ${response.status} ${JSON.stringify(body)}`);
  return body.data.taskId;
}

/** REST `GET /task/:id`: the HTTP status and the `data` of the envelope. */
export async function restTask(url: string, id: string): Promise<{ status: number; data?: Record<string, unknown> }> {
  const response = await fetch(`${url}/task/${encodeURIComponent(id)}`);
  const body = (await response.json()) as { data?: Record<string, unknown> };
  return { status: response.status, data: body.data };
}

/** REST `GET /health`'s `activeTasks`. */
export async function restActiveTasks(url: string): Promise<unknown> {
  const response = await fetch(`${url}/health`);
  return ((await response.json()) as { data?: { activeTasks?: unknown } }).data?.activeTasks;
}
