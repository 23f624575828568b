import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Config } from '../config';
import { lockDataDir } from '../db/data-dir-lock';
import { openDatabase } from '../db/database';
import { isDomainError } from '../domain/errors';
import { resolveJwtSecret } from '../secrets';
import { AccountService, generatePassword } from './account-service';
import { ROLES, type Role, isRole } from './model';

export const USER_CREATE_USAGE = `Usage: npm run user:create -- --email <email> --role <${ROLES.join('|')}> --name <name> [--password <password>]
Creates a user with any role on the database of DATABASE_URL (or the embedded one in DATA_DIR).
Without --password a random one is generated and printed once.`;

export interface UserCreateArgs {
  readonly email: string;
  readonly role: Role;
  readonly name: string;
  readonly password: string | undefined;
}

/** Parse the command line; throws an Error whose message is meant for the operator. */
export function parseUserCreateArgs(argv: readonly string[]): UserCreateArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: { email: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' }, password: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  const missing = (['email', 'role', 'name'] as const).filter((k) => values[k] === undefined);
  if (missing.length > 0) throw new Error(`Missing ${missing.map((k) => `--${k}`).join(', ')}`);
  const role = values.role?.toUpperCase();
  if (!isRole(role)) throw new Error(`--role must be one of ${ROLES.join(', ')} (got "${values.role ?? ''}")`);
  return { email: values.email ?? '', role, name: values.name ?? '', password: values.password };
}

/**
 * Open the database exactly as the server does (config, data-folder lock, migrations), create the
 * user, and report it on `out`. Returns the password actually used.
 */
export async function runUserCreate(args: UserCreateArgs, config: Config, out: (line: string) => void): Promise<{ id: string; password: string }> {
  const unlock = config.databaseUrl ? () => undefined : await lockDataDir(config.dataDir);
  try {
    const database = await openDatabase(
      config.databaseUrl ? { databaseUrl: config.databaseUrl, poolSize: 2 } : { dataDir: path.join(config.dataDir, 'pglite') },
    );
    try {
      const jwtSecret = await resolveJwtSecret(database.db, config.jwtSecret);
      const accounts = new AccountService({ db: database.db, jwtSecret });
      const password = args.password ?? generatePassword();
      const user = await accounts.createUser({ email: args.email, name: args.name, role: args.role, password });
      out(`created ${user.role} ${user.email} (id ${user.id})`);
      if (args.password === undefined) out(`password: ${password}`);
      return { id: user.id, password };
    } finally {
      await database.close();
    }
  } finally {
    unlock();
  }
}

/** A refusal of the account rules (duplicate email, short password, …) as one line for the operator. */
export function describeUserCreateError(err: unknown): string {
  if (isDomainError(err)) {
    const field = typeof err.details.field === 'string' ? ` (${err.details.field})` : '';
    return `${err.message}${field}`;
  }
  return err instanceof Error ? err.message : String(err);
}
