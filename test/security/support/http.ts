/**
 * HTTP for fuzzing: what fetch refuses to send (any method token, raw bytes, no Content-Type, odd header
 * values) through node:http, and what node:http refuses too (bytes that break the request line) through a
 * bare TCP socket. Every exchange has a deadline: a server that never answers fails the property.
 */
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';

export interface Exchange {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface Outgoing {
  method: string;
  /** Path and query, sent as is. */
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

const ANSWER_DEADLINE_MS = 10_000;

/** Keeps connections open between runs, as real clients do; answers that close the connection are handled by the agent. */
export const agent = new Agent({ keepAlive: true, maxSockets: 16 });

/** One request; resolves with the whole answer, rejects when it takes longer than the deadline. */
export function exchange(base: string, outgoing: Outgoing, deadlineMs = ANSWER_DEADLINE_MS): Promise<Exchange> {
  const { hostname, port } = new URL(base);
  const body = outgoing.body === undefined ? undefined : Buffer.from(outgoing.body);
  const headers = { ...(body === undefined ? {} : { 'content-length': String(body.length) }), ...outgoing.headers };
  return new Promise((resolve, reject) => {
    const req = request(
      { host: hostname, port, method: outgoing.method, path: outgoing.path, headers, agent, timeout: deadlineMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`No answer within ${deadlineMs} ms to ${outgoing.method} ${outgoing.path}`)),
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Raw bytes on a fresh connection; resolves with everything the server wrote before it closed the
 * connection (the request should say `Connection: close`). Rejects when the server neither answers nor
 * closes within the deadline.
 */
export function rawExchange(base: string, bytes: Buffer, deadlineMs = ANSWER_DEADLINE_MS): Promise<Buffer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`The server neither answered nor closed within ${deadlineMs} ms`));
    }, deadlineMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    // A reset after the answer is an ending like any other; what was received is what counts.
    socket.on('error', () => undefined);
    socket.write(bytes);
  });
}

/**
 * The final answer in raw HTTP/1.1 bytes (interim 1xx answers skipped), or undefined when the server
 * closed without answering. A chunked body is returned as sent.
 */
export function parseRaw(bytes: Buffer): Exchange | undefined {
  let rest = bytes;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    const head = (end < 0 ? rest : rest.subarray(0, end)).toString('latin1');
    const match = /^HTTP\/1\.[01] (\d{3})/.exec(head);
    if (!match) return undefined;
    const status = Number(match[1]);
    const body = end < 0 ? Buffer.alloc(0) : rest.subarray(end + 4);
    if (status >= 200 || end < 0) {
      const headers: IncomingHttpHeaders = {};
      for (const line of head.split('\r\n').slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      return { status, headers, body };
    }
    rest = body;
  }
}
