/**
 * `npm run demo`: the Bing simulator and the server wired to it, so every operation can be tried without a
 * Bing cookie. Images and videos are served by the simulator itself. DEMO_TIME_SCALE (default 0.2) makes
 * generations faster than Bing's; PORT picks the server's port as usual.
 */
import { configFrom } from './config.js';
import { createApp } from './server.js';
import { startSimulator } from './simulator/index.js';

const timeScale = Number(process.env['DEMO_TIME_SCALE'] ?? '0.2');
const sim = await startSimulator({ timeScale: Number.isFinite(timeScale) && timeScale > 0 ? timeScale : 0.2 });
sim.setScenario({ urls: 'origin' });

const config = configFrom({
  ...process.env,
  BING_ORIGIN: sim.url,
  BING_COOKIE_U: 'demo-cookie',
  SIMULATOR: 'true',
  TASK_STORE: 'memory',
  TIME_SCALE: String(timeScale),
  // Every finished image and video is copied and served at /media/<sha256>.<ext>.
  MEDIA_MIRROR: process.env['MEDIA_MIRROR'] ?? 'true',
});
const app = createApp(config);
const url = await app.start();

console.log(`
  Demo: the server is wired to the Bing simulator at ${sim.url} (nothing reaches Bing).

  Page      ${url}/app
  GraphiQL  ${url}/graphql
  REST      ${url}/            (try: curl -X POST ${url}/create/image -H 'content-type: application/json' -d '{"query":"a lighthouse"}')

  Prompt directives choose what the simulator does, e.g. "a cat [sim:blocked]" or "a cat [sim:ms=2000]";
  see src/simulator/README.md.
`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    setTimeout(() => process.exit(1), 5_000).unref();
    void app
      .stop()
      .then(() => sim.close())
      .then(() => process.exit(0));
  });
}
