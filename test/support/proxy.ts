/**
 * A small real HTTP proxy on 127.0.0.1 for the tests: CONNECT tunnels (what undici's ProxyAgent opens) and
 * plain forwarded requests, each recorded; optionally demanding credentials, or refusing every tunnel.
 */
import { createServer, request as forward, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export interface ProxyRecord {
  method: string;
  /** `host:port` of a CONNECT, or the absolute URL of a forwarded request. */
  target: string;
  authorization: string | undefined;
}

export interface TestProxy {
  url: string;
  port: number;
  records: ProxyRecord[];
  /** Requests that went through a tunnel, as the bytes of their request lines (`GET /path HTTP/1.1`). */
  tunnelled: string[];
  close(): Promise<void>;
}

export interface TestProxyOptions {
  /** `user:password` the proxy demands (407 without it). */
  credentials?: string;
  /** Answers every CONNECT with this status instead of tunnelling. */
  refuse?: number;
}

export async function startProxy(options: TestProxyOptions = {}): Promise<TestProxy> {
  const records: ProxyRecord[] = [];
  const tunnelled: string[] = [];
  const sockets = new Set<Socket>();
  const expected = options.credentials && `Basic ${Buffer.from(options.credentials).toString('base64')}`;
  const authorised = (req: IncomingMessage): boolean => !expected || req.headers['proxy-authorization'] === expected;

  const server: Server = createServer((req, res) => {
    records.push({
      method: req.method ?? 'GET',
      target: req.url ?? '',
      authorization: req.headers['proxy-authorization'],
    });
    if (!authorised(req)) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="test"' }).end();
      return;
    }
    const target = new URL(req.url ?? '/');
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    const upstream = forward(
      { host: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    records.push({ method: 'CONNECT', target: req.url ?? '', authorization: req.headers['proxy-authorization'] });
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    if (options.refuse) {
      client.end(`HTTP/1.1 ${options.refuse} Refused\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    if (!authorised(req)) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      // A request line may be split across chunks, and may follow a body without a line break.
      let rest = '';
      client.on('data', (chunk: Buffer) => {
        const text = rest + chunk.toString('latin1');
        let end = 0;
        for (const match of text.matchAll(/(?:GET|POST|HEAD|PUT|DELETE) \/\S* HTTP\/1\.1\r\n/g)) {
          tunnelled.push(match[0].trim());
          end = match.index + match[0].length;
        }
        rest = text.slice(end).slice(-4096);
      });
      client.pipe(upstream);
      upstream.pipe(client);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    records,
    tunnelled,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** A port on 127.0.0.1 where nothing listens (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
