/** `npm run simulator`: a standalone simulator. Env: SIM_PORT (default 0), SIM_HOST, SIM_TIME_SCALE (default 1). */

import { startSimulator } from './server.js';

function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    console.error(`${name} must be a number >= 0, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return value;
}

const sim = await startSimulator({
  port: numberFromEnv('SIM_PORT', 0),
  host: process.env.SIM_HOST || '127.0.0.1',
  timeScale: numberFromEnv('SIM_TIME_SCALE', 1),
});
console.log(`Bing simulator listening on ${sim.url}`);

let stopping = false;
function stop(signal: NodeJS.Signals): void {
  if (stopping) return;
  stopping = true;
  console.log(`Bing simulator stopping (${signal})`);
  // If something still holds the event loop after close, do not hang the terminal.
  setTimeout(() => process.exit(1), 5_000).unref();
  void sim.close().then(() => {
    process.exitCode = 0;
  });
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
