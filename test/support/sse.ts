/** A GraphQL subscription over SSE held open: resolved once its first event arrived, until `abort`. */
export async function openSse<T>(
  url: string,
  query: string,
  variables: Record<string, unknown>,
): Promise<{ first: T; abort: () => void }> {
  const controller = new AbortController();
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query, variables }),
    signal: controller.signal,
  });
  if (!response.headers.get('content-type')?.includes('text/event-stream') || !response.body) {
    controller.abort();
    throw new Error(`not an event stream: ${response.status} ${response.headers.get('content-type')}`);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  for (;;) {
    const data = text.split('\n').find((line) => line.startsWith('data: {'));
    if (data) return { first: JSON.parse(data.slice(6)) as T, abort: () => controller.abort() };
    const chunk = await reader.read();
    if (chunk.done) throw new Error(`the stream ended before its first event: ${text}`);
    text += chunk.value;
  }
}
