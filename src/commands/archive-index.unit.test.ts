import { decodeFingerprints, encodeFingerprints, fingerprint, mayBeArchived, withFingerprints } from './archive-index';

describe('the archive index', () => {
  const keys = Array.from({ length: 500 }, (_, i) => `id-${i}`);

  it('given fingerprints added in two overlapping goes, holds them sorted and distinct, and every added key may be archived', () => {
    const index = withFingerprints(withFingerprints(null, keys.slice(0, 300).map((k) => fingerprint('appointment', k))), keys.slice(200).map((k) => fingerprint('appointment', k)));
    expect(index.length).toBe(500);
    for (let i = 1; i < index.length; i++) expect(index[i]).toBeGreaterThan(index[i - 1] as number);
    for (const k of keys) expect(mayBeArchived(index, 'appointment', k)).toBe(true);
    // The kind is part of the fingerprint; keys never added are (almost always) certainly not archived.
    expect(keys.filter((k) => mayBeArchived(index, 'idempotency', k)).length).toBeLessThan(3);
    expect(Array.from({ length: 500 }, (_, i) => `other-${i}`).filter((k) => mayBeArchived(index, 'appointment', k)).length).toBeLessThan(3);
  });

  it('nothing archived: no key is; fingerprints not read yet: any key may be', () => {
    expect(mayBeArchived(null, 'appointment', 'id-1')).toBe(false);
    expect(mayBeArchived('unread', 'idempotency', 'anything')).toBe(true);
  });

  it('is stored as little-endian uint32 and read back the same', () => {
    const index = withFingerprints(null, [0xdeadbeef, 1, 0x01020304]);
    const bytes = encodeFingerprints(index);
    expect([...bytes.subarray(0, 4)]).toEqual([1, 0, 0, 0]);
    expect([...bytes.subarray(4, 8)]).toEqual([4, 3, 2, 1]);
    expect([...decodeFingerprints(new Uint8Array(bytes))]).toEqual([...index]);
  });
});
