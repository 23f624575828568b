import 'reflect-metadata';
import { type App, startApp } from './app';
import { type Config, ConfigError, loadConfig } from './config';
import { MigrationError } from './db/database';
import { type Logger, createLogger } from './logger';
import { collectProcessMetrics } from './metrics';

/** `npm start`: read the environment, start a node, stop gracefully on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    return failedToStart(createLogger('info'), err);
  }
  const logger = createLogger(config.logLevel);
  let app: App;
  try {
    app = await startApp(config, { logger, processMetrics: collectProcessMetrics() });
  } catch (err) {
    return failedToStart(logger, err);
  }
  let firstSignalAt = 0;
  const shutdown = (signal: string): void => {
    if (firstSignalAt > 0) {
      // npm forwards the terminal's signal too, so one Ctrl-C arrives twice: only a later one forces exit.
      if (Date.now() - firstSignalAt < 2000) return;
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    firstSignalAt = Date.now();
    logger.info({ signal }, 'signal received');
    app.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

/**
 * A start that failed is one line saying why (a bad variable, a port in use, a database that does not
 * answer, a failed migration) and exit code 1. The stack trace helps only with a bug, so it is logged
 * at debug level (LOG_LEVEL=debug).
 */
function failedToStart(logger: Logger, err: unknown): never {
  logger.fatal(`Slotstream failed to start: ${reasonOf(err)}`);
  logger.debug({ err }, 'start-up failure');
  process.exit(1);
}

function reasonOf(err: unknown): string {
  if (err instanceof ConfigError) return `invalid configuration: ${err.problems.join('; ')}`;
  // Not a migration of ours failed: the migrator could not even start (no connection, no such database or role).
  if (err instanceof MigrationError && err.migration === undefined) return `cannot open the database: ${reasonOf(err.cause)}`;
  // node-postgres reports a refused connection to `localhost` (IPv6 and IPv4) as an AggregateError without a message.
  if (err instanceof AggregateError && err.message === '') return [...new Set(err.errors.map(reasonOf))].join('; ');
  return err instanceof Error ? err.message : String(err);
}

void main();
