/**
 * The read side's operator commands, as functions the thin scripts in scripts/ call (and tests call
 * in-process): `projections:rebuild`, `audit:export`, `audit:verify`. Each opens the database named
 * by the configuration (DATABASE_URL, or the embedded PGlite in DATA_DIR — which must not be in use
 * by a running server), does its work and returns the process exit code.
 */
import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import pino from 'pino';
import type { Config } from '../config';
import { lockDataDir } from '../db/data-dir-lock';
import { openDatabase } from '../db/database';
import type { EventStore } from '../events/event-store';
import { positionToString } from '../events/event-store';
import { EventStoreDbEventStore } from '../events/eventstoredb/eventstoredb-event-store';
import { PostgresEventStore } from '../events/postgres/postgres-event-store';
import { createMetrics } from '../metrics';
import { DomainError } from '../domain/errors';
import { createReadSide, type ReadSide } from './read-side';

export interface CliIo {
  /** Standard output (reports, exported lines); may return a promise to apply backpressure. */
  out(text: string): void | Promise<void>;
  /** Standard error (usage, failures). */
  err(text: string): void;
}

export const REBUILD_USAGE = 'usage: npm run projections:rebuild [-- <projection>]   (projections: schedule, analytics; none = all)';
export const EXPORT_USAGE = 'usage: npm run audit:export -- --provider <id> [--out <file>]   (JSON Lines, one event per line)';
export const VERIFY_USAGE = 'usage: npm run audit:verify -- --provider <id>   (exit 1 when the hash chain is broken)';

class UsageError extends Error {}

/** `--name value` options and positional arguments; unknown options are usage errors. */
function parseArgs(argv: readonly string[], options: readonly string[]): { values: Map<string, string>; positional: string[] } {
  const values = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    if (!options.includes(name)) throw new UsageError(`unknown option --${name}`);
    const value = inline ?? argv[++i];
    if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`);
    values.set(name, value);
  }
  return { values, positional };
}

/** The database and event store of the configuration, and a read side over them (no workers). */
async function openReadSide(config: Config): Promise<{ readSide: ReadSide; close(): Promise<void> }> {
  const unlock = config.databaseUrl ? () => undefined : await lockDataDir(config.dataDir);
  try {
    // A rebuild holds a connection for its lock, one reading ahead and two per projection it writes.
    const database = await openDatabase(config.databaseUrl ? { databaseUrl: config.databaseUrl, poolSize: 8 } : { dataDir: path.join(config.dataDir, 'pglite') });
    const eventStore: EventStore = config.eventStoreUrl ? new EventStoreDbEventStore(config.eventStoreUrl) : new PostgresEventStore(database.pool);
    // Logs go to stderr: stdout carries the command's own output (an export may be piped).
    const logger = pino({ level: config.logLevel, base: { service: 'slotstream' } }, pino.destination(2));
    const readSide = createReadSide({ pool: database.pool, db: database.db, eventStore, logger, metrics: createMetrics(), runProjections: false });
    return {
      readSide,
      close: async () => {
        await readSide.stop();
        await eventStore.close();
        await database.close();
        unlock();
      },
    };
  } catch (err) {
    unlock();
    throw err;
  }
}

async function withReadSide(config: Config, io: CliIo, usage: string, work: (readSide: ReadSide) => Promise<number>): Promise<number> {
  let opened: Awaited<ReturnType<typeof openReadSide>> | null = null;
  try {
    opened = await openReadSide(config);
    return await work(opened.readSide);
  } catch (err) {
    if (err instanceof UsageError) io.err(`${err.message}\n${usage}\n`);
    else if (err instanceof DomainError) io.err(`${err.code}: ${err.message}\n`);
    else io.err(`${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof UsageError ? 2 : 1;
  } finally {
    await opened?.close();
  }
}

function requireProvider(argv: readonly string[], io: CliIo, usage: string): { provider: string; out: string | undefined } | null {
  try {
    const { values, positional } = parseArgs(argv, ['provider', 'out']);
    if (positional.length > 0) throw new UsageError(`unexpected argument ${positional[0] ?? ''}`);
    const provider = values.get('provider');
    if (provider === undefined) throw new UsageError('--provider is required');
    return { provider, out: values.get('out') };
  } catch (err) {
    io.err(`${err instanceof Error ? err.message : String(err)}\n${usage}\n`);
    return null;
  }
}

/** `projections:rebuild [name]`: rebuild into shadow tables and swap; prints one line per projection. */
export async function runProjectionsRebuild(argv: readonly string[], config: Config, io: CliIo): Promise<number> {
  const names = argv.filter((a) => !a.startsWith('--'));
  if (names.length > 1 || argv.some((a) => a.startsWith('--'))) {
    io.err(`${REBUILD_USAGE}\n`);
    return 2;
  }
  return withReadSide(config, io, REBUILD_USAGE, async (readSide) => {
    const name = names[0];
    if (name !== undefined && !readSide.projections.includes(name)) throw new UsageError(`unknown projection ${name}`);
    for (const r of await readSide.rebuild(name)) {
      io.out(`rebuilt ${r.projection}: ${r.events} events in ${r.durationMs} ms, checkpoint ${positionToString(r.position)}\n`);
    }
    return 0;
  });
}

/** `audit:export --provider <id> [--out file]`: the provider stream as JSON Lines. */
export async function runAuditExport(argv: readonly string[], config: Config, io: CliIo): Promise<number> {
  const args = requireProvider(argv, io, EXPORT_USAGE);
  if (args === null) return 2;
  return withReadSide(config, io, EXPORT_USAGE, async (readSide) => {
    if (args.out === undefined) {
      await readSide.audit.exportProviderStream(args.provider, async (line) => {
        await io.out(line);
      });
      return 0;
    }
    const target = path.resolve(args.out);
    const file = fs.createWriteStream(target);
    try {
      const count = await readSide.audit.exportProviderStream(args.provider, async (line) => {
        if (!file.write(line)) await once(file, 'drain');
      });
      io.err(`exported ${count} events to ${target}\n`);
    } finally {
      file.end();
      await once(file, 'close');
    }
    return 0;
  });
}

/** `audit:verify --provider <id>`: prints the integrity report; exit 1 when the chain is broken. */
export async function runAuditVerify(argv: readonly string[], config: Config, io: CliIo): Promise<number> {
  const args = requireProvider(argv, io, VERIFY_USAGE);
  if (args === null) return 2;
  if (args.out !== undefined) {
    io.err(`--out is not an option of audit:verify\n${VERIFY_USAGE}\n`);
    return 2;
  }
  return withReadSide(config, io, VERIFY_USAGE, async (readSide) => {
    const report = await readSide.audit.verifyProviderStream(args.provider);
    io.out(`${JSON.stringify({ providerId: args.provider, ...report })}\n`);
    return report.valid ? 0 : 1;
  });
}
