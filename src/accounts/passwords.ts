import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

/**
 * argon2id with OWASP's baseline cost (19 MiB, 2 passes, 1 lane): ~20–40 ms per hash here, cheap
 * enough for tests, and the parameters are written into each hash, so raising them later still
 * verifies old hashes. Spelled out rather than left to the library's defaults, so a library upgrade
 * cannot change them silently.
 */
const ARGON2ID = 2; // Algorithm.Argon2id; the binding's const enum cannot be imported under isolatedModules.
const OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

/** False for a wrong password and for a hash that cannot be read; never throws for those. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | null = null;
/**
 * Spend the same time as a real verification, for a login with an unknown email: the answer and the
 * time taken must not tell whether an account exists.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummy ??= hashPassword(randomBytes(16).toString('hex'));
  await verifyPassword(await dummy, password);
  return false;
}
