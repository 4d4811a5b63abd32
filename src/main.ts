/** Reads the configuration, starts the server, and stops it gracefully on SIGTERM or SIGINT. */
import { type Config, ConfigError, loadConfig } from './config.js';
import { type App, createApp } from './server.js';

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

let app: App;
let url: string;
try {
  app = createApp(config);
  url = await app.start();
} catch (error) {
  // A port in use, an unwritable DATA_DIR, a store from a newer version: say it plainly and stop.
  console.error(`The server could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
app.log.info(
  { url, graphql: `${url}/graphql`, upstream: config.simulator ? 'simulator' : config.bing.origin },
  'server listening',
);
if (app.accounts.size === 0)
  app.log.warn(
    'No Bing account is configured (BING_COOKIE_U, BING_COOKIES or BING_ACCOUNTS_FILE): every generation will fail with AUTH until one is.',
  );

// Re-reads the accounts file (it is also watched); generations in flight go on.
process.on('SIGHUP', () => {
  void app.reloadAccounts();
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    app.log.info({ signal }, 'stopping');
    const forced = setTimeout(() => process.exit(1), config.shutdownTimeoutMs + 2_000);
    forced.unref();
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  });
}
