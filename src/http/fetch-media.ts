/**
 * Downloads one mirrored image or video (src/media/ decides which URLs and keeps the file): one GET
 * through undici's dispatcher, as the source images of image-to-video are fetched, no redirects
 * followed, the body streamed to the sink and cut at `maxBytes`, the whole download within the deadline.
 */
import { request } from 'undici';
import type { FetchMedia } from '../tasks/media.js';

/** Drops a body unread; undici reports the abort as an error event, which nothing else listens to. */
function discard(body: { on(event: 'error', listener: () => void): unknown; destroy(): unknown }): void {
  body.on('error', () => undefined);
  body.destroy();
}

export const fetchMedia: FetchMedia = async (url, { maxBytes, timeoutMs }, sink, signal) => {
  const deadline = AbortSignal.timeout(timeoutMs);
  const bound = AbortSignal.any([signal, deadline]);
  try {
    const response = await request(url, {
      method: 'GET',
      signal: bound,
      headers: { accept: 'image/*,video/*;q=0.9,*/*;q=0.5' },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    if (response.statusCode !== 200) {
      await response.body.dump().catch(() => undefined);
      return { outcome: 'status', status: response.statusCode };
    }
    const contentType = String(response.headers['content-type'] ?? '')
      .split(';', 1)[0]!
      .trim()
      .toLowerCase();
    if (!sink.accepts(contentType)) {
      discard(response.body);
      return { outcome: 'unsupported', contentType };
    }
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      discard(response.body);
      return { outcome: 'too-large', bytes: declared };
    }
    let size = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) {
        discard(response.body);
        return { outcome: 'too-large' };
      }
      await sink.write(chunk);
    }
    return { outcome: 'ok', contentType };
  } catch {
    if (signal.aborted) throw signal.reason;
    if (deadline.aborted) return { outcome: 'timeout' };
    return { outcome: 'unreachable' };
  }
};
