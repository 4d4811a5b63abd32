/** A graphql-ws subscriber that records every update and how its socket closed. */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

export interface TaskUpdate {
  id: string;
  status: string;
  video?: string | null;
  errorCode?: string | null;
}

export interface Subscriber {
  updates: TaskUpdate[];
  /** Resolves when the subscription completes or fails; with the close code when the socket closed. */
  ended: Promise<{ completed: boolean; error?: unknown; closeCode?: number }>;
  /** The socket's close code, once it closed. */
  closeCode(): number | undefined;
  dispose(): Promise<void>;
}

/** Subscribes to `field(id)` (taskUpdated or videoTaskUpdated) on the server at `httpUrl`. */
export function subscribe(httpUrl: string, field: 'taskUpdated' | 'videoTaskUpdated', id: string): Subscriber {
  let code: number | undefined;
  const client = createClient({
    url: `${httpUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    on: {
      closed: (event) => {
        code = (event as { code?: number }).code;
      },
    },
    onNonLazyError: () => undefined,
  });
  const updates: TaskUpdate[] = [];
  const ended = new Promise<{ completed: boolean; error?: unknown; closeCode?: number }>((resolve) => {
    client.subscribe<Record<string, TaskUpdate>>(
      {
        query: `subscription ($id: ID!) { ${field}(id: $id) { id status errorCode ... on VideoTask { video } } }`,
        variables: { id },
      },
      {
        next: (result) => {
          const update = result.data?.[field];
          if (update) updates.push(update);
        },
        error: (error) => resolve({ completed: false, error, closeCode: code ?? (error as { code?: number }).code }),
        complete: () => resolve({ completed: true, closeCode: code }),
      },
    );
  });
  return { updates, ended, closeCode: () => code, dispose: () => Promise.resolve(client.dispose()) };
}
