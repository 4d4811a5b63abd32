/**
 * The baseline of the overhead benchmark: a bare node:http handler that answers every request with the
 * same JSON (same shape, same headers) as the REST GET /health. Listens on 127.0.0.1:$PORT.
 */
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 0);

const server = createServer((_req, res) => {
  const body = JSON.stringify(
    {
      success: true,
      data: { status: 'ok', cookie: 'set', session: 'active', activeTasks: 0, upstream: 'bing' },
      timestamp: new Date().toISOString(),
    },
    null,
    2,
  );
  res.writeHead(200, {
    'access-control-allow-origin': '*',
    'access-control-expose-headers': 'retry-after',
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
});

server.listen(port, '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
