/**
 * What the fan-out benchmarks (one instance, and the cluster's) share: making a video task over GraphQL,
 * and waiting for the subscribers' process to report.
 */
import type { ClientsMessage } from './fanout-clients.js';
import type { NodeProcess } from './processes.js';
import type { ServerProcess } from './server.js';

export async function createVideo(server: ServerProcess, prompt: string): Promise<string> {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({
      query:
        'mutation ($q: String!) { createVideo(input: { query: $q }) { __typename ... on VideoTask { id } ... on Error { message } } }',
      variables: { q: prompt },
    }),
  });
  const body = (await response.json()) as {
    data?: { createVideo?: { __typename: string; id?: string; message?: string } };
  };
  const id = body.data?.createVideo?.id;
  if (!id) throw new Error(`createVideo failed: ${JSON.stringify(body).slice(0, 300)}`);
  return id;
}

export function next<T extends ClientsMessage['type']>(
  proc: NodeProcess,
  type: T,
  timeoutMs: number,
): Promise<Extract<ClientsMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no "${type}" from the clients in ${timeoutMs} ms:\n${proc.output()}`)),
      timeoutMs,
    );
    const listener = (message: ClientsMessage) => {
      if (message.type !== type) return;
      clearTimeout(timer);
      proc.child.off('message', listener);
      resolve(message as Extract<ClientsMessage, { type: T }>);
    };
    proc.child.on('message', listener);
  });
}
