import { type Kysely, sql } from 'kysely';

// Migrations are frozen in time: typed Kysely<any> on purpose, never importing today's table types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql
    .raw(
      `CREATE TABLE users (
         id uuid PRIMARY KEY,
         email text NOT NULL,
         name text NOT NULL,
         role text NOT NULL CHECK (role IN ('CUSTOMER', 'PROVIDER', 'ADMIN', 'AUDITOR')),
         password_hash text NOT NULL,
         created_at timestamptz NOT NULL DEFAULT now()
       );
       -- Emails are unique regardless of case; the address is kept as the user wrote it.
       CREATE UNIQUE INDEX users_email_key ON users (lower(email));

       -- Rotating refresh tokens, stored as SHA-256 hex of the token. A family is one login's chain of
       -- rotations: presenting a used token again revokes the whole family.
       CREATE TABLE refresh_tokens (
         token_hash text PRIMARY KEY,
         family_id uuid NOT NULL,
         user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
         created_at timestamptz NOT NULL,
         expires_at timestamptz NOT NULL,
         used_at timestamptz,
         revoked_at timestamptz
       );
       CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
       CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

       -- Login attempts for sliding-window rate limits, shared by every API node on this database.
       -- scope 'ip': every attempt from a client address; scope 'account': failed attempts per email.
       CREATE TABLE login_attempts (
         id bigserial PRIMARY KEY,
         scope text NOT NULL CHECK (scope IN ('ip', 'account')),
         key text NOT NULL,
         at timestamptz NOT NULL
       );
       CREATE INDEX login_attempts_window ON login_attempts (scope, key, at);
       CREATE INDEX login_attempts_at ON login_attempts (at);`,
    )
    .execute(db);
}
