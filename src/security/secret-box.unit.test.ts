import { SecretBox, SecretBoxError, generateEncryptionKey, parseEncryptionKeys } from './secret-box';

const keyA = Buffer.alloc(32, 0xa1);
const keyB = Buffer.alloc(32, 0xb2);
const CONTEXT = 'calendar-connection:0b6c5c0e:refresh-token';

/** Replace one base64url part of a sealed value with the same bytes, one bit flipped. */
const flipBitIn = (sealed: string, part: 2 | 3 | 4): string => {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[part]!, 'base64url');
  bytes[0] = bytes[0]! ^ 0x01;
  parts[part] = bytes.toString('base64url');
  return parts.join('.');
};

describe('SecretBox (AES-256-GCM)', () => {
  it('given a key, when a secret is sealed, then it opens to the same text, and the sealed text shows neither', () => {
    const box = new SecretBox([keyA]);
    const sealed = box.seal('1//refresh-token-ünïcode', CONTEXT);

    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(sealed).not.toContain('refresh');
    expect(box.open(sealed, CONTEXT)).toBe('1//refresh-token-ünïcode');
  });

  it('given the same secret sealed twice, then the two texts differ (a fresh IV each time)', () => {
    const box = new SecretBox([keyA]);
    expect(box.seal('same', CONTEXT)).not.toBe(box.seal('same', CONTEXT));
  });

  it.each([
    ['the IV', 2],
    ['the ciphertext', 3],
    ['the tag', 4],
  ] as const)('given a sealed secret, when one bit of %s changes, then it is refused as TAMPERED', (_what, part) => {
    const box = new SecretBox([keyA]);
    expect(() => box.open(flipBitIn(box.seal('secret', CONTEXT), part), CONTEXT)).toThrow(new SecretBoxError('TAMPERED'));
  });

  it('given a secret sealed for one row, when it is opened as another row\'s, then it is refused', () => {
    const box = new SecretBox([keyA]);
    const sealed = box.seal('secret', 'calendar-connection:one:refresh-token');
    expect(() => box.open(sealed, 'calendar-connection:two:refresh-token')).toThrow(SecretBoxError);
  });

  it('given text that is not a sealed secret, then it is refused as MALFORMED', () => {
    const box = new SecretBox([keyA]);
    for (const bad of ['', 'plain', 'v2.a.b.c.d', 'v1.a.b.c', box.seal('x', CONTEXT).replace(/\.[^.]+$/, '.AAAA')]) {
      expect(() => box.open(bad, CONTEXT)).toThrow(new SecretBoxError('MALFORMED'));
    }
  });

  it('given a rotated key list (new first, old second), then old secrets still open, new ones use the new key and the old key alone cannot read them', () => {
    const before = new SecretBox([keyA]);
    const old = before.seal('old secret', CONTEXT);

    const rotated = new SecretBox([keyB, keyA]);
    expect(rotated.open(old, CONTEXT)).toBe('old secret');
    expect(rotated.needsResealing(old)).toBe(true);
    const fresh = rotated.seal('new secret', CONTEXT);
    expect(rotated.needsResealing(fresh)).toBe(false);
    expect(() => before.open(fresh, CONTEXT)).toThrow(new SecretBoxError('UNKNOWN_KEY'));
  });

  it('derives a separate key per purpose, stable for the same key', () => {
    const box = new SecretBox([keyA]);
    expect(box.deriveKey('oauth-state')).toEqual(new SecretBox([keyA, keyB]).deriveKey('oauth-state'));
    expect(box.deriveKey('oauth-state')).not.toEqual(box.deriveKey('other'));
    expect(box.deriveKey('oauth-state')).not.toEqual(keyA);
    expect(box.deriveKey('oauth-state')).toHaveLength(32);
  });
});

describe('parseEncryptionKeys (ENCRYPTION_KEY)', () => {
  it('reads one key, or several separated by commas, in standard or URL-safe base64', () => {
    const standard = Buffer.alloc(32, 0xfb).toString('base64');
    const urlSafe = Buffer.alloc(32, 0xfb).toString('base64url');
    expect(parseEncryptionKeys(standard)).toEqual([Buffer.alloc(32, 0xfb)]);
    expect(parseEncryptionKeys(`${urlSafe}, ${keyA.toString('base64')}`)).toEqual([Buffer.alloc(32, 0xfb), keyA]);
    expect(parseEncryptionKeys(generateEncryptionKey())[0]).toHaveLength(32);
  });

  it.each([
    ['too short', Buffer.alloc(16).toString('base64')],
    ['too long', Buffer.alloc(33).toString('base64')],
    ['not base64', '!'.repeat(44)],
    ['a hex key', 'a'.repeat(64)],
  ])('refuses a key that is %s', (_what, value) => {
    expect(() => parseEncryptionKeys(value)).toThrow(/must be 32 bytes in base64/);
  });
});
