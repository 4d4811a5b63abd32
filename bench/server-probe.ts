/**
 * The server as src/main.ts runs it, plus what only the inside can see: the event-loop delay
 * (perf_hooks) and the Bing client's connection counts. Answers over IPC: { type: 'reset' } starts a
 * new event-loop histogram, { type: 'stats' } reads it. Same environment as src/main.ts.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { configFrom } from '../src/config.js';
import { createApp } from '../src/server.js';

export interface ProbeStats {
  type: 'stats';
  eventLoop: { p50: number; p99: number; max: number };
  connections: { open: number; peak: number; limit: number };
}

const app = createApp(configFrom(process.env));
await app.start();

const delay = monitorEventLoopDelay({ resolution: 5 });
delay.enable();

process.on('message', (message: { type?: string }) => {
  if (message.type === 'reset') {
    delay.reset();
    process.send?.({ type: 'reset' });
  } else if (message.type === 'stats') {
    const stats: ProbeStats = {
      type: 'stats',
      eventLoop: { p50: delay.percentile(50) / 1e6, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 },
      connections: app.client.stats().connections,
    };
    process.send?.(stats);
  }
});

process.once('SIGTERM', () => {
  delay.disable();
  app.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
