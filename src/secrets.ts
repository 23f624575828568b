import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from './db/schema';
import { generateEncryptionKey, parseEncryptionKeys } from './security/secret-box';

/**
 * The JWT signing secret: JWT_SECRET when set; otherwise generated once and kept in the database, so
 * restarts (and every API node on one database) keep accepting the tokens they issued.
 */
export async function resolveJwtSecret(db: Kysely<Database>, fromEnv: string | undefined): Promise<string> {
  if (fromEnv) return fromEnv;
  return keptSetting(db, 'jwt_secret', () => randomBytes(48).toString('base64url'));
}

/**
 * The keys that seal OAuth tokens (src/security/secret-box.ts): ENCRYPTION_KEY when set (already
 * validated by the config); otherwise one generated once and kept in the database like the JWT
 * secret, so every node and every restart opens what another sealed.
 */
export async function resolveEncryptionKeys(db: Kysely<Database>, fromEnv: string | undefined): Promise<Buffer[]> {
  return parseEncryptionKeys(fromEnv || (await keptSetting(db, 'encryption_key', generateEncryptionKey)));
}

/** The setting's value; the first caller's `generate()` wins when nodes race to create it. */
async function keptSetting(db: Kysely<Database>, key: string, generate: () => string): Promise<string> {
  await db
    .insertInto('app_settings')
    .values({ key, value: generate() })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await db.selectFrom('app_settings').select('value').where('key', '=', key).executeTakeFirstOrThrow();
  return row.value;
}
