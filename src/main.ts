import 'reflect-metadata';
import { startApp } from './app';
import { ConfigError, loadConfig } from './config';
import { MigrationError } from './db/database';

/** `npm start`: read the environment, start a node, stop gracefully on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const app = await startApp(config);
  let firstSignalAt = 0;
  const shutdown = (signal: string): void => {
    if (firstSignalAt > 0) {
      // npm forwards the terminal's signal too, so one Ctrl-C arrives twice: only a later one forces exit.
      if (Date.now() - firstSignalAt < 2000) return;
      app.runtime.logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    firstSignalAt = Date.now();
    app.runtime.logger.info({ signal }, 'signal received');
    app.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        app.runtime.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  const message = err instanceof MigrationError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`Slotstream failed to start: ${message}\n`);
  process.exit(1);
});
