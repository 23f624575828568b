import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import type { Registry } from 'prom-client';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { AccountService, accountLimitsOf } from './accounts/account-service';
import type { Config } from './config';
import { lockDataDir } from './db/data-dir-lock';
import { openDatabase } from './db/database';
import { EventStoreDbEventStore } from './events/eventstoredb/eventstoredb-event-store';
import { PostgresEventStore } from './events/postgres/postgres-event-store';
import { clientAddressOf, viewerOfRequest } from './graphql/auth';
import type { GraphQLContext } from './graphql/context';
import { formatGraphQLError } from './graphql/errors';
import { buildGraphQLSchema } from './graphql/schema';
import { PARSE_OPTIONS, queryLimitRule } from './graphql/limits';
import { operationGuardPlugin } from './graphql/operation-guard';
import { createHttpServer } from './http/server';
import { type Logger, createLogger } from './logger';
import { createMetrics } from './metrics';
import type { Runtime } from './runtime';
import { resolveJwtSecret } from './secrets';
import { ProviderCommandHandler } from './commands/provider-command-handler';
import { AdvisoryStreamTurns } from './events/postgres/stream-turns';
import { PostgresStreamIndex } from './commands/stream-index';
import { PgSqlPool } from './db/pg-pool';
import { PostgresSnapshotStore } from './commands/snapshot-store';
import { createReadSide } from './projections/read-side';
import { attachWebSocketServer } from './http/websocket';
import { operationTracePlugin } from './http/request-trace';

export interface App {
  readonly runtime: Runtime;
  readonly url: string;
  readonly address: AddressInfo;
  readonly httpServer: import('node:http').Server;
  stop(): Promise<void>;
}

/** The composition root: builds every part of a node from the config and starts serving. */
export async function startApp(config: Config, options: { logger?: Logger; clock?: () => number; processMetrics?: Registry } = {}): Promise<App> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const metrics = createMetrics(options.processMetrics);
  const unlock = config.databaseUrl ? () => undefined : await lockDataDir(config.dataDir);
  const cleanups: Array<() => Promise<void> | void> = [unlock];
  try {
    const database = await openDatabase(
      config.databaseUrl ? { databaseUrl: config.databaseUrl, poolSize: config.dbPoolSize } : { dataDir: path.join(config.dataDir, 'pglite') },
    );
    cleanups.unshift(() => database.close());
    const jwtSecret = await resolveJwtSecret(database.db, config.jwtSecret);
    const eventStore = config.eventStoreUrl ? new EventStoreDbEventStore(config.eventStoreUrl) : new PostgresEventStore(database.pool);
    cleanups.unshift(() => eventStore.close());

    const readSide = createReadSide({ pool: database.pool, db: database.db, eventStore, logger, metrics, runProjections: config.runProjections });
    // Several processes may share a PostgreSQL database: contended streams take turns across them.
    const turns = database.pool instanceof PgSqlPool ? await AdvisoryStreamTurns.start(database.pool, { logger: logger.child({ module: 'stream-turns' }) }) : undefined;
    if (turns) cleanups.unshift(() => turns.close());
    const streamIndex = new PostgresStreamIndex(database.db, { indexedByAppend: !config.eventStoreUrl });
    const indexed = await streamIndex.fillFromHistory(eventStore);
    if (indexed > 0) logger.info({ indexed }, 'stream index filled from the event history');
    const commands = new ProviderCommandHandler(eventStore, new PostgresSnapshotStore(database.db), streamIndex, logger.child({ module: 'commands' }), {
      onRetry: () => metrics.commandRetries.inc(),
      ...(turns ? { turns } : {}),
    });
    const runtime: Runtime = {
      config,
      logger,
      metrics,
      database,
      eventStore,
      secrets: { jwtSecret },
      accounts: new AccountService({ db: database.db, jwtSecret, ...accountLimitsOf(config) }),
      commands,
      readSide,
      clock: options.clock ?? Date.now,
      checkDatabase: async () => {
        try {
          await withTimeout(database.pool.query('SELECT 1'), 2000);
          return true;
        } catch {
          return false;
        }
      },
    };

    await readSide.start();
    cleanups.unshift(() => readSide.stop());

    const schema = await buildGraphQLSchema();
    const apollo = new ApolloServer<GraphQLContext>({
      schema,
      validationRules: [queryLimitRule()],
      parseOptions: PARSE_OPTIONS,
      formatError: (formatted, error) => formatGraphQLError(formatted, error, { development: config.nodeEnv === 'development' }),
      includeStacktraceInErrorResponses: config.nodeEnv === 'development',
      introspection: config.introspection,
      // Without introspection, "Did you mean …?" hints would leak the schema too.
      hideSchemaDetailsFromClientErrors: !config.introspection,
      logger: logger.child({ module: 'apollo' }),
      // GraphiQL is ours (src/http/graphiql.ts); Apollo's landing page would load from a CDN.
      plugins: [operationGuardPlugin(), operationTracePlugin(logger), ApolloServerPluginLandingPageDisabled()],
      // We own SIGTERM/SIGINT (main.ts): Apollo's own handlers would race our drain and re-raise the signal.
      stopOnTerminationSignals: false,
    });
    await apollo.start();
    cleanups.unshift(() => apollo.stop());

    const http = createHttpServer(runtime, apollo, async (req, requestId) => ({
      runtime,
      requestId,
      viewer: await viewerOfRequest(runtime.accounts, req),
      clientAddress: clientAddressOf(req, config.trustProxy),
    }));
    const address = await http.listen();
    // After listening: `ws` hears the HTTP server's errors, and graphql-ws would dump a failed listen's stack.
    const ws = attachWebSocketServer(http.server, schema, runtime);
    http.onClose(() => ws.close());
    const host = address.address === '0.0.0.0' || address.address === '::' ? 'localhost' : address.address;
    const url = `http://${host}:${address.port}/graphql`;
    logger.info({ url, database: database.pool.kind, eventStore: eventStore.name }, 'Slotstream is serving');

    let stopping: Promise<void> | null = null;
    return {
      runtime,
      url,
      address,
      httpServer: http.server,
      stop: () => {
        stopping ??= (async () => {
          logger.info('shutting down: draining requests');
          await http.close();
          await runCleanups(cleanups, logger);
          logger.info('stopped');
        })();
        return stopping;
      },
    };
  } catch (err) {
    await runCleanups(cleanups, logger);
    throw err;
  }
}

async function runCleanups(cleanups: Array<() => Promise<void> | void>, logger: Logger): Promise<void> {
  for (const c of cleanups) {
    try {
      await c();
    } catch (err) {
      logger.warn({ err }, 'cleanup step failed');
    }
  }
  cleanups.length = 0;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
