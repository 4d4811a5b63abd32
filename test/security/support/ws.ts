/**
 * A raw WebSocket session for fuzzing graphql-ws: it sends whatever it is told (text, binary, frames
 * built by hand, bytes that break the framing, close codes no library would send) and records what the
 * server answered and how the connection ended. Every wait has a deadline.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import WebSocket from 'ws';

export type Action =
  | { kind: 'text'; data: string }
  | { kind: 'binary'; data: Buffer }
  /** Bytes written straight onto the connection: a frame built by hand, or garbage. */
  | { kind: 'raw'; data: Buffer }
  | { kind: 'wait'; ms: number }
  /** Waits for connection_ack (or the close, or 150 ms), as a client must before it subscribes. */
  | { kind: 'ack' }
  | { kind: 'close'; code: number; reason: string };

export interface Outcome {
  /** The handshake's status when the server refused the upgrade. */
  refused?: number;
  /** Every message the server sent, as text. */
  messages: string[];
  /** How the connection ended: the code the client saw, and whether the server closed first. */
  closeCode?: number;
  closeReason?: string;
  serverClosedFirst: boolean;
}

export interface SessionOptions {
  protocols: string[];
  headers: Record<string, string>;
  actions: Action[];
  /** Whole session, handshake to close. */
  deadlineMs?: number;
}

/** A client frame built by hand (clients must mask; `masked: false` is a protocol error on purpose). */
export function frame(options: {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  payload: Buffer;
}): Buffer {
  const { payload } = options;
  const first = (options.fin ? 0x80 : 0) | ((options.rsv & 0x7) << 4) | (options.opcode & 0xf);
  const mask = options.masked ? 0x80 : 0;
  const length =
    payload.length < 126
      ? Buffer.from([mask | payload.length])
      : payload.length < 65_536
        ? Buffer.from([mask | 126, payload.length >> 8, payload.length & 0xff])
        : Buffer.concat([
            Buffer.from([mask | 127, 0, 0, 0, 0]),
            (() => {
              const b = Buffer.alloc(4);
              b.writeUInt32BE(payload.length);
              return b;
            })(),
          ]);
  if (!options.masked) return Buffer.concat([Buffer.from([first]), length, payload]);
  const key = randomBytes(4);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ key[i % 4]!));
  return Buffer.concat([Buffer.from([first]), length, key, masked]);
}

/** A close frame with any code at all, and a reason (which may not be UTF-8). */
export function closeFrame(code: number, reason: Buffer): Buffer {
  const payload = Buffer.alloc(2 + reason.length);
  payload.writeUInt16BE(code & 0xffff);
  reason.copy(payload, 2);
  return frame({ fin: true, rsv: 0, opcode: 0x8, masked: true, payload });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Connects, runs the actions while the connection is open, then (if it still is) checks the server
 * still answers a graphql-ws ping, closes, and waits for the close. Rejects on any missed deadline.
 */
export function session(url: string, options: SessionOptions): Promise<Outcome> {
  const deadlineMs = options.deadlineMs ?? 8_000;
  const outcome: Outcome = { messages: [], serverClosedFirst: false };
  const socket = new WebSocket(url, options.protocols, { headers: options.headers, maxPayload: 16 * 1024 * 1024 });
  let clientClosing = false;

  const closed = new Promise<void>((resolve) => {
    socket.on('close', (code, reason) => {
      outcome.closeCode = code;
      outcome.closeReason = reason.toString('utf8');
      if (!clientClosing) outcome.serverClosedFirst = true;
      resolve();
    });
  });
  let acknowledged: () => void = () => undefined;
  const ack = new Promise<void>((resolve) => {
    acknowledged = resolve;
  });
  socket.on('message', (data, isBinary) => {
    const text = isBinary ? `<binary ${String(data)}>` : String(data);
    outcome.messages.push(text);
    if (text.includes('"connection_ack"')) acknowledged();
  });
  // Errors end in 'close' as well; what counts is how the connection ended.
  socket.on('error', () => undefined);

  const run = async (): Promise<Outcome> => {
    const opened = await new Promise<boolean>((resolve) => {
      socket.once('open', () => resolve(true));
      socket.once('unexpected-response', (_req, res) => {
        outcome.refused = res.statusCode;
        res.resume();
        socket.terminate();
        resolve(false);
      });
      socket.once('close', () => resolve(false));
    });
    if (!opened) {
      await closed;
      return outcome;
    }
    let brokeTheFraming = false;
    for (const action of options.actions) {
      if (socket.readyState !== WebSocket.OPEN) break;
      if (action.kind === 'raw') brokeTheFraming = true;
      if (action.kind === 'text') socket.send(action.data);
      else if (action.kind === 'binary') socket.send(action.data, { binary: true });
      else if (action.kind === 'raw') (socket as unknown as { _socket: Socket })._socket.write(action.data);
      else if (action.kind === 'wait') await sleep(action.ms);
      // Bounded: without a connection_init before it, no acknowledgement is coming.
      else if (action.kind === 'ack') await Promise.race([ack, closed, sleep(150)]);
      else {
        clientClosing = true;
        socket.close(action.code, action.reason);
      }
    }
    if (brokeTheFraming) {
      // The server may rightly be waiting for the rest of a frame that will never come: the client hangs up.
      await Promise.race([closed, sleep(50)]);
      clientClosing ||= socket.readyState !== WebSocket.CLOSED;
      socket.terminate();
    } else if (socket.readyState === WebSocket.OPEN) {
      // The server still reads this connection: a graphql-ws ping is answered with a pong (or, rightly, a close).
      const answered = new Promise<void>((resolve) => {
        const onMessage = (data: WebSocket.RawData) => {
          if (String(data).includes('"pong"')) resolve();
        };
        socket.on('message', onMessage);
        void closed.then(resolve);
      });
      socket.send('{"type":"ping"}');
      await answered;
    }
    if (socket.readyState === WebSocket.OPEN) {
      clientClosing = true;
      socket.close(1000, 'done');
    }
    await closed;
    return outcome;
  };

  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      socket.terminate();
      reject(
        new Error(`The WebSocket session did not end within ${deadlineMs} ms (messages: ${outcome.messages.length})`),
      );
    }, deadlineMs);
  });
  return Promise.race([run(), deadline]).finally(() => clearTimeout(timer));
}
