/**
 * The snapshot step: after a turn, when `every` events have passed since the stream's last snapshot,
 * store a new one, so a cold load reads a small row plus a short tail whatever the stream's length.
 * Off the command's path: the snapshot is encoded after the turn's callers have their answers, and a
 * snapshot that fails to store only costs a longer replay later.
 *
 * Storing one archives the ended appointments the state holds (snapshot-codec.ts); once it is stored,
 * memory lets go of them at the stream's next load, so a long-lived process stays as small as a
 * fresh one, and the stream's archive index learns their fingerprints.
 */
import type { Logger } from '../logger';
import { fingerprintsOf, withFingerprints } from './archive-index';
import { SNAPSHOT_SCHEMA_VERSION, encodeSnapshot } from './snapshot-codec';
import type { SnapshotStore } from './snapshot-store';
import type { StreamState, StreamStateCache } from './stream-state-cache';

export class Snapshotter {
  constructor(
    private readonly store: SnapshotStore,
    private readonly cache: StreamStateCache,
    private readonly every: number,
    private readonly logger: Logger,
  ) {}

  /** Take a snapshot of `stream` if one is due. Returns at once. */
  consider(stream: string): void {
    const entry = this.cache.peek(stream);
    // A state whose archive fingerprints are still being read waits for them (a turn or two): the
    // snapshot must name everything archived so far.
    if (entry === undefined || entry.archive === 'unread' || entry.current.revision - entry.snapshotRevision < this.every) return;
    const { current, archive, generation } = entry;
    this.cache.update(stream, generation, (e) => ({ ...e, snapshotRevision: current.revision }));
    setImmediate(() => void this.take(stream, current, archive, generation));
  }

  private async take(stream: string, current: StreamState, archive: Uint32Array | null, generation: number): Promise<void> {
    try {
      const encoded = encodeSnapshot(current.state, archive);
      const snapshot = { revision: current.revision, lastHash: current.lastHash, position: current.position, state: encoded.state };
      await this.store.save(stream, SNAPSHOT_SCHEMA_VERSION, snapshot, encoded.archive, encoded.fingerprints);
      if (encoded.archived.length === 0) return;
      const fingerprints = fingerprintsOf(encoded.archived);
      this.cache.update(stream, generation, (e) =>
        e.archive === 'unread' ? e : { ...e, archive: withFingerprints(e.archive, fingerprints), released: [...e.released, ...encoded.archived] },
      );
    } catch (err) {
      this.logger.warn({ err, stream }, 'saving a snapshot failed');
    }
  }
}
