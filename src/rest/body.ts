/**
 * The body of a POST, read with a byte limit and parsed into an object of fields: JSON, an urlencoded
 * form, or (no content type at all) a body that looks like JSON. Every refusal is a BodyError with the
 * status to answer; nothing past the limit is kept in memory.
 */
import type { IncomingMessage } from 'node:http';

export class BodyError extends Error {
  override readonly name = 'BodyError';
  readonly status: 400 | 413 | 415;

  constructor(status: 400 | 413 | 415, message: string) {
    super(message);
    this.status = status;
  }
}

/** The client went away before its body arrived: there is nobody left to answer. */
export class ClientGone extends Error {
  override readonly name = 'ClientGone';
}

type Format = 'json' | 'form' | 'unlabelled';

const UNSUPPORTED = 'Send the body as application/json or application/x-www-form-urlencoded.';

function tooLarge(maxBytes: number): BodyError {
  return new BodyError(413, `The request body is larger than the limit of ${maxBytes} bytes.`);
}

function formatOf(req: IncomingMessage): Format {
  const encoding = req.headers['content-encoding']?.trim().toLowerCase();
  if (encoding && encoding !== 'identity')
    throw new BodyError(415, `Content-Encoding ${encoding} is not supported. ${UNSUPPORTED}`);
  const header = req.headers['content-type'];
  if (header === undefined || header.trim() === '') return 'unlabelled';
  const type = header.split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json' || /^application\/[\w.+-]+\+json$/.test(type)) return 'json';
  if (type === 'application/x-www-form-urlencoded') return 'form';
  throw new BodyError(415, `Content-Type ${type || header.trim()} is not supported. ${UNSUPPORTED}`);
}

/** Counts every chunk; past the limit it stops keeping them and rejects at once (the rest is discarded). */
function readLimited(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.reject(tooLarge(maxBytes));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('close', onGone);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        done();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(Buffer.concat(chunks, size));
    };
    const onGone = () => {
      done();
      reject(new ClientGone('The client closed the connection before sending its whole body.'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onGone);
    req.on('close', onGone);
  });
}

// Fatal: invalid bytes are an error, not U+FFFD. A leading byte order mark is dropped.
const utf8 = new TextDecoder('utf-8', { fatal: true });

function decode(bytes: Buffer): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new BodyError(400, 'The request body is not valid UTF-8.');
  }
}

function parseJson(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BodyError(400, 'The request body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BodyError(400, 'The request body must be a JSON object, such as {"query": "a red fox in the snow"}.');
  }
  return value as Record<string, unknown>;
}

function parseForm(text: string): Record<string, unknown> {
  return Object.fromEntries(new URLSearchParams(text));
}

/** The fields of the request body; an empty body is an empty object (the route then names what is missing). */
export async function readFields(req: IncomingMessage, maxBytes: number): Promise<Record<string, unknown>> {
  const format = formatOf(req);
  const text = decode(await readLimited(req, maxBytes));
  if (text.trim() === '') return {};
  if (format === 'form') return parseForm(text);
  if (format === 'unlabelled' && !/^\s*[[{]/.test(text))
    throw new BodyError(415, `The request has no Content-Type. ${UNSUPPORTED}`);
  return parseJson(text);
}
