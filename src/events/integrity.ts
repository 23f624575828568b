/**
 * The hash chain that lets an auditor prove a stream was not altered. Each event's metadata carries
 * `prevHash` (the previous event's hash, null for the first) and
 * `hash = SHA-256(prevHash + canonicalJson({ type, data, metadata without hash }))`.
 * Changing, removing or reordering any stored event breaks every hash from there on.
 */
import { createHash } from 'node:crypto';
import type { JsonObject, JsonValue } from './event-store';

/** JSON with object keys sorted at every level and no whitespace: one text per value. */
export function canonicalJson(value: JsonValue | undefined): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  if (typeof value === 'object') {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function eventHash(prevHash: string | null, type: string, data: JsonValue, metadata: JsonObject): string {
  const { hash: _ignored, ...covered } = metadata;
  return createHash('sha256')
    .update(prevHash ?? '')
    .update(canonicalJson({ type, data, metadata: covered }))
    .digest('hex');
}

export interface IntegrityReport {
  readonly valid: boolean;
  readonly eventsChecked: number;
  /** Revision of the first event whose hash or link does not match; null when valid. */
  readonly firstBrokenRevision: number | null;
}

export interface ChainLink {
  readonly revision: number;
  readonly type: string;
  readonly data: JsonValue;
  readonly metadata: JsonObject;
}

/**
 * Incremental verifier: feed events in revision order. A gap in revisions (a deleted event) is a
 * break too, as is a `prevHash` that does not name the previous event's hash.
 */
export class ChainVerifier {
  private prev: string | null = null;
  private expectedRevision = 0;
  private checked = 0;
  private broken: number | null = null;

  constructor(start?: { prevHash: string | null; revision: number }) {
    if (start) {
      this.prev = start.prevHash;
      this.expectedRevision = start.revision;
    }
  }

  add(link: ChainLink): void {
    this.checked++;
    if (this.broken !== null) return;
    const storedHash = typeof link.metadata.hash === 'string' ? link.metadata.hash : null;
    const storedPrev = typeof link.metadata.prevHash === 'string' ? link.metadata.prevHash : null;
    const ok =
      link.revision === this.expectedRevision &&
      storedPrev === this.prev &&
      storedHash !== null &&
      storedHash === eventHash(this.prev, link.type, link.data, link.metadata);
    if (!ok) this.broken = link.revision;
    this.prev = storedHash;
    this.expectedRevision = link.revision + 1;
  }

  report(): IntegrityReport {
    return { valid: this.broken === null, eventsChecked: this.checked, firstBrokenRevision: this.broken };
  }
}

export function verifyChain(links: Iterable<ChainLink>): IntegrityReport {
  const v = new ChainVerifier();
  for (const l of links) v.add(l);
  return v.report();
}
