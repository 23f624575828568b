import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Secrets at rest (OAuth tokens): AES-256-GCM, a fresh random 96-bit IV per message, and the id of
 * the key inside every ciphertext, so ENCRYPTION_KEY can rotate: new text is sealed with the first
 * key, older text is still opened with the key it names.
 *
 * Sealed format: `v1.<keyId>.<iv>.<ciphertext>.<tag>`, parts in base64url. The caller's `context`
 * (e.g. `calendar-connection:<id>:refresh-token`) is authenticated as additional data: a sealed value
 * copied into another row or field does not open there.
 */
export class SecretBox {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly current: { readonly id: string; readonly key: Buffer };

  /** `keys[0]` seals; every key opens what it sealed. */
  constructor(keys: readonly Buffer[]) {
    const first = keys[0];
    if (first === undefined) throw new Error('SecretBox needs at least one key');
    for (const key of keys) if (key.length !== KEY_BYTES) throw new Error(`SecretBox keys must be ${KEY_BYTES} bytes`);
    this.keys = new Map(keys.map((key) => [keyIdOf(key), key]));
    this.current = { id: keyIdOf(first), key: first };
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, this.current.id, iv.toString('base64url'), ciphertext.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  /** Throws SecretBoxError when the text is not ours, names a key we do not have, or was altered. */
  open(sealed: string, context: string): string {
    const parts = sealed.split('.');
    if (parts.length !== 5 || parts[0] !== VERSION) throw new SecretBoxError('MALFORMED');
    const [, keyId, iv, ciphertext, tag] = parts as [string, string, string, string, string];
    const key = this.keys.get(keyId);
    if (key === undefined) throw new SecretBoxError('UNKNOWN_KEY');
    const ivBytes = Buffer.from(iv, 'base64url');
    const tagBytes = Buffer.from(tag, 'base64url');
    if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) throw new SecretBoxError('MALFORMED');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, ivBytes, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(tagBytes);
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError('TAMPERED');
    }
  }

  /** True when `sealed` was sealed with an older key: read it, seal it again, store it. */
  needsResealing(sealed: string): boolean {
    return sealed.split('.')[1] !== this.current.id;
  }

  /**
   * A key of its own for another purpose (the OAuth state's HMAC), derived from the current key with
   * HKDF-SHA256, so one configured secret serves both without one use weakening the other.
   */
  deriveKey(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.current.key, Buffer.alloc(0), `slotstream:${purpose}`, KEY_BYTES));
  }
}

export class SecretBoxError extends Error {
  constructor(readonly reason: 'MALFORMED' | 'UNKNOWN_KEY' | 'TAMPERED') {
    super(
      reason === 'UNKNOWN_KEY'
        ? 'the secret was sealed with a key that is not in ENCRYPTION_KEY'
        : reason === 'TAMPERED'
          ? 'the sealed secret does not open with its key and context (altered, or moved from elsewhere)'
          : 'not a sealed secret',
    );
    this.name = 'SecretBoxError';
  }
}

export const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';

/** 8 base64url characters naming a key without revealing it. */
function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('slotstream-key-id:').update(key).digest().subarray(0, 6).toString('base64url');
}

/**
 * ENCRYPTION_KEY: one or more comma-separated keys of 32 bytes in base64 (standard or URL-safe);
 * the first seals, the others only open (rotation). Throws a message naming what is wrong.
 */
export function parseEncryptionKeys(value: string): Buffer[] {
  const parts = value.split(',').map((part) => part.trim());
  return parts.map((part, i) => {
    const name = parts.length > 1 ? `key ${i + 1}` : 'the key';
    if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(part)) throw new Error(`${name} must be 32 bytes in base64 (44 characters, e.g. from \`openssl rand -base64 32\`)`);
    return Buffer.from(part.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  });
}

/** A new random key in the form ENCRYPTION_KEY takes. */
export function generateEncryptionKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}
