/**
 * Which keys a stream's snapshot archive may hold (snapshot-store.ts keeps the archive): sorted,
 * distinct 32-bit fingerprints of every archived appointment id and idempotency key, four bytes each.
 * A key whose fingerprint is absent is certainly not archived, so a command that addresses nothing
 * archived (nearly every one) costs no archive read; a false positive only costs one read.
 *
 * `ArchiveIndex`: null = nothing archived (the state in memory holds the whole history);
 * 'unread' = something is, but the fingerprints are still being read (they follow a cold load, off
 * the command's path): then any key may be archived.
 */
import { endianness } from 'node:os';
import type { EndedAppointment } from '../domain/provider';

export type ArchiveKind = 'appointment' | 'idempotency';

export type ArchiveIndex = Uint32Array | 'unread' | null;

/** FNV-1a over the kind and the key's UTF-16 code units: stable across processes and versions. */
export function fingerprint(kind: ArchiveKind, key: string): number {
  let h = kind === 'appointment' ? 0x811c9dc5 : 0x050c5d1f;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** False when `key` is certainly not archived; true when it may be. */
export function mayBeArchived(index: ArchiveIndex, kind: ArchiveKind, key: string): boolean {
  if (index === null) return false;
  if (index === 'unread') return true;
  const target = fingerprint(kind, key);
  let lo = 0;
  let hi = index.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = index[mid] as number;
    if (v === target) return true;
    if (v < target) lo = mid + 1;
    else hi = mid;
  }
  return false;
}

/** Fingerprints of what `records` archive: each appointment's id and the idempotency key it owns. */
export function fingerprintsOf(records: readonly EndedAppointment[]): number[] {
  const out: number[] = [];
  for (const r of records) {
    out.push(fingerprint('appointment', r.appointment.id));
    if (r.idempotency !== null) out.push(fingerprint('idempotency', r.idempotency.key));
  }
  return out;
}

/** `known` (sorted, distinct) joined with `added` (any order, duplicates allowed). */
export function withFingerprints(known: Uint32Array | null, added: readonly number[]): Uint32Array {
  const old = known ?? new Uint32Array(0);
  const extra = Uint32Array.from(added).sort();
  const merged = new Uint32Array(old.length + extra.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < old.length || j < extra.length) {
    const v = j >= extra.length || (i < old.length && (old[i] as number) <= (extra[j] as number)) ? (old[i++] as number) : (extra[j++] as number);
    if (n === 0 || merged[n - 1] !== v) merged[n++] = v;
  }
  return merged.slice(0, n);
}

const LITTLE_ENDIAN = endianness() === 'LE';

/** As stored: uint32 little-endian, whatever this machine's byte order. */
export function encodeFingerprints(values: Uint32Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const buf = Buffer.allocUnsafe(values.length * 4);
  values.forEach((v, i) => buf.writeUInt32LE(v, i * 4));
  return buf;
}

export function decodeFingerprints(bytes: Uint8Array): Uint32Array {
  const out = new Uint32Array(bytes.length >>> 2);
  if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(bytes.subarray(0, out.length * 4));
  else {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = buf.readUInt32LE(i * 4);
  }
  return out;
}
