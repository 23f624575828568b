/**
 * `npm run esdb:double -- --port 2113`: the in-memory EventStoreDB wire double (test/esdb-double) as a
 * local server, to try the whole service on the EventStoreDB adapter without a real node:
 *   EVENTSTORE_URL='esdb://127.0.0.1:2113?tls=false' DATABASE_URL=postgres://… npm start
 * Everything is lost when it stops. Options: --host (127.0.0.1), --port (2113), --no-batch-append,
 * --legacy-errors (answer as EventStoreDB 20.6.0).
 */
import { startEsdbDouble } from '../test/esdb-double';

function parseArgs(argv: readonly string[]): { host: string; port: number; batchAppend: boolean; legacyErrors: boolean } {
  const args = { host: '127.0.0.1', port: 2113, batchAppend: true, legacyErrors: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--port') {
      args.port = Number(value());
      if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) throw new Error(`--port must be 0–65535`);
    } else if (arg === '--host') args.host = value();
    else if (arg === '--no-batch-append') args.batchAppend = false;
    else if (arg === '--legacy-errors') args.legacyErrors = true;
    else throw new Error(`unknown option ${String(arg)} (known: --host, --port, --no-batch-append, --legacy-errors)`);
  }
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const double = await startEsdbDouble(args);
  process.stdout.write(`EventStoreDB wire double (in memory) listening: EVENTSTORE_URL='${double.url}'\n`);
  const stop = (): void => {
    double.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`esdb-double: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
