/**
 * The load generator of the overhead benchmark, in its own process so that it never shares a CPU's event
 * loop with a server it measures. Over IPC: a LoadOrder runs autocannon once and answers its LoadResult.
 */
import autocannon from 'autocannon';

export interface LoadOrder {
  type: 'load';
  url: string;
  connections: number;
  seconds: number;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadResult {
  type: 'result';
  /** 2xx answers per second. */
  rps: number;
  p99: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  ok: number;
}

process.on('message', (order: LoadOrder) => {
  if (order.type !== 'load') return;
  void autocannon({
    url: order.url,
    connections: order.connections,
    duration: order.seconds,
    method: order.method,
    ...(order.headers ? { headers: order.headers } : {}),
    ...(order.body === undefined ? {} : { body: order.body }),
  }).then(
    (result) => {
      const answer: LoadResult = {
        type: 'result',
        rps: result['2xx'] / result.duration,
        p99: result.latency.p99,
        errors: result.errors,
        timeouts: result.timeouts,
        non2xx: result.non2xx,
        ok: result['2xx'],
      };
      process.send?.(answer);
    },
    (error: unknown) => process.send?.({ type: 'error', message: String(error) }),
  );
});

process.send?.({ type: 'ready' });
process.on('disconnect', () => process.exit(0));
