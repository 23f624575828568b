/**
 * All configuration comes from environment variables, read and validated here once. A bad value
 * stops start-up with a message naming the variable, the value and what is expected.
 */
import path from 'node:path';

export interface Config {
  readonly port: number;
  readonly host: string;
  /** PostgreSQL server for events and read models; absent = embedded PGlite in `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  /** EventStoreDB for events (read models stay in PostgreSQL/PGlite). */
  readonly eventStoreUrl: string | undefined;
  /** Absent = generated once and kept in the database (in the data folder when embedded). */
  readonly jwtSecret: string | undefined;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly dbPoolSize: number;
  /** Run projection workers in this process (the embedded default). Off for API-only replicas. */
  readonly runProjections: boolean;
  readonly shutdownTimeoutMs: number;
  readonly maxBodyBytes: number;
  /** Allowed CORS origins; `*` = any. */
  readonly corsOrigins: readonly string[];
  /** Behind one reverse proxy: take the client address from the last X-Forwarded-For entry. */
  readonly trustProxy: boolean;
  /** Serve GraphiQL at GET /graphql to browsers (Accept: text/html). */
  readonly graphiql: boolean;
  /** Answer introspection queries: on in development, off in production unless set. */
  readonly introspection: boolean;
  /** When set, GET /metrics requires `Authorization: Bearer <token>`. */
  readonly metricsToken: string | undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Every variable the service reads; docker-compose and docs are checked against this list. */
export const CONFIG_VARIABLES = [
  'PORT',
  'HOST',
  'DATABASE_URL',
  'DATA_DIR',
  'EVENTSTORE_URL',
  'JWT_SECRET',
  'LOG_LEVEL',
  'NODE_ENV',
  'DB_POOL_SIZE',
  'RUN_PROJECTIONS',
  'SHUTDOWN_TIMEOUT_MS',
  'MAX_BODY_BYTES',
  'CORS_ORIGINS',
  'TRUST_PROXY',
  'GRAPHIQL',
  'INTROSPECTION',
  'METRICS_TOKEN',
] as const;

type Env = Readonly<Record<string, string | undefined>>;

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const str = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!/^-?\d+$/.test(raw) || n < min || n > max) {
      problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return n;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      problems.push(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
      return fallback;
    }
    return raw as T;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
    if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
    problems.push(`${name} must be true or false (got "${raw}")`);
    return fallback;
  };
  const url = (name: string, protocols: readonly string[]): string | undefined => {
    const raw = str(name);
    if (raw === undefined) return undefined;
    try {
      const u = new URL(raw);
      if (!protocols.includes(u.protocol)) throw new Error('protocol');
      return raw;
    } catch {
      problems.push(`${name} must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')} (got "${raw}")`);
      return undefined;
    }
  };

  const jwtSecret = str('JWT_SECRET');
  if (jwtSecret !== undefined && jwtSecret.length < 32) problems.push('JWT_SECRET must be at least 32 characters long');

  const config: Config = {
    port: int('PORT', 4000, 0, 65535),
    host: str('HOST') ?? '0.0.0.0',
    databaseUrl: url('DATABASE_URL', ['postgres:', 'postgresql:']),
    dataDir: path.resolve(str('DATA_DIR') ?? './.data'),
    eventStoreUrl: url('EVENTSTORE_URL', ['esdb:', 'esdb+discover:']),
    jwtSecret,
    logLevel: oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    nodeEnv: oneOf('NODE_ENV', ['development', 'production', 'test'] as const, 'development'),
    dbPoolSize: int('DB_POOL_SIZE', 20, 1, 1000),
    runProjections: bool('RUN_PROJECTIONS', true),
    shutdownTimeoutMs: int('SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    maxBodyBytes: int('MAX_BODY_BYTES', 1_048_576, 1024, 100 * 1_048_576),
    corsOrigins: (str('CORS_ORIGINS') ?? '*').split(',').map((s) => s.trim()).filter((s) => s !== ''),
    trustProxy: bool('TRUST_PROXY', false),
    graphiql: bool('GRAPHIQL', true),
    introspection: bool('INTROSPECTION', str('NODE_ENV') !== 'production'),
    metricsToken: str('METRICS_TOKEN'),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
