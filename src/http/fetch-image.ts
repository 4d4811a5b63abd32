/**
 * Fetches the source image of an image-to-video request (tasks/video-image.ts decides whether a URL may
 * be fetched, and checks what comes back): one GET through undici, no redirects followed, at most
 * `maxBytes` read, within the deadline.
 */
import { request } from 'undici';
import type { FetchImage } from '../tasks/video-image.js';

export const fetchImage: FetchImage = async (url, { maxBytes, timeoutMs }, signal) => {
  const deadline = AbortSignal.timeout(timeoutMs);
  const bound = signal ? AbortSignal.any([signal, deadline]) : deadline;
  try {
    const response = await request(url, {
      method: 'GET',
      signal: bound,
      headers: { accept: 'image/png,image/jpeg,image/webp,*/*;q=0.5' },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    if (response.statusCode !== 200) {
      await response.body.dump().catch(() => undefined);
      return { outcome: 'status', status: response.statusCode };
    }
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      response.body.destroy();
      return { outcome: 'too-large', bytes: declared };
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) {
        response.body.destroy();
        return { outcome: 'too-large' };
      }
      chunks.push(chunk);
    }
    return { outcome: 'ok', bytes: Buffer.concat(chunks) };
  } catch {
    if (signal?.aborted) throw signal.reason;
    return { outcome: deadline.aborted ? 'timeout' : 'unreachable' };
  }
};
