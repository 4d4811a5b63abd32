/**
 * Requests that never reach a route: what Node's HTTP parser refuses (bytes that are not HTTP, headers too
 * large, a broken chunked body), expectations it cannot meet, and WebSocket handshakes that fail. They are
 * answered with the statuses Node and ws would use, but in the error envelope, so that every refusal
 * looks the same to a client.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { failure, send } from './envelope.js';

const REFUSALS: Record<string, { status: number; message: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, message: 'The request headers are too large.' },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: { status: 413, message: 'The chunk extensions of the request body are too large.' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, message: 'The request did not arrive in time.' },
};

const NOT_HTTP = { status: 400, message: 'The request is not valid HTTP/1.1.' };

/** Writes a whole answer on a socket no ServerResponse owns, and closes it. `body: false` for an answer to HEAD. */
export function refuseOnSocket(socket: Duplex, status: number, message: string, body = true): void {
  const text = body ? JSON.stringify(failure(status, 'invalid_request_error', message).body, null, 2) : '';
  socket.write(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      'content-type: application/json; charset=utf-8\r\n' +
      `content-length: ${Buffer.byteLength(text)}\r\n` +
      'cache-control: no-store\r\n' +
      'connection: close\r\n\r\n' +
      text,
  );
  socket.destroy();
}

/** For the server's `clientError` event: answers in the envelope unless a response is already on its way, then closes. */
export function refuseMalformed(error: Error & { code?: string; rawPacket?: Buffer }, socket: Duplex): void {
  // As Node does by default: a reply in the middle of another response would corrupt it for the client.
  const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const { status, message } = (error.code && REFUSALS[error.code]) || NOT_HTTP;
  // A client that asked with HEAD reads no body: one would look like the start of a next answer.
  const head = error.rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD ';
  refuseOnSocket(socket, status, message, !head);
}

/** For the server's `checkExpectation` event: an `Expect` other than 100-continue. */
export function refuseExpectation(_req: IncomingMessage, res: ServerResponse): void {
  send(res, failure(417, 'invalid_request_error', 'Only "Expect: 100-continue" is supported.'));
}
