/**
 * The storage semantics of the EventStoreDB wire double: one in-memory transaction log, kept
 * free of gRPC so the rules are easy to read and compare with the server's:
 * - a stream's revisions start at 0; a missing stream has revision -1 ("no stream");
 * - every event is one record in the log; its position in `$all` is the record's pre-position,
 *   with commit = prepare (as for every append since EventStoreDB 20.6, where each prepare carries
 *   the commit flag), strictly increasing, and never 0 (the log opens with an epoch record);
 * - an append is checked exactly like the server's `IndexWriter.CheckCommit`: the expected version,
 *   then idempotency (the same event ids at the same place succeed again without writing, with the
 *   revision and position of the last of them), else a wrong-expected-version answer.
 */

/** `bigint` ≥ 0: the exact current revision. */
export type ExpectedVersion = bigint | 'any' | 'no_stream' | 'stream_exists';

export interface ProposedEvent {
  /** Lower-case UUID text. */
  readonly id: string;
  readonly type: string;
  readonly isJson: boolean;
  readonly data: Uint8Array;
  readonly metadata: Uint8Array;
}

export interface StoredEvent extends ProposedEvent {
  readonly streamName: string;
  readonly revision: bigint;
  /** Pre-position of the record: its commit and prepare position in `$all`. */
  readonly position: bigint;
  /** Post-position: where the next record starts. */
  readonly postPosition: bigint;
  /** .NET ticks (100 ns) since the Unix epoch, as the server's `created` metadata. */
  readonly createdTicks: bigint;
}

export type AppendOutcome =
  | { readonly kind: 'success'; readonly currentRevision: bigint; readonly position: bigint | null; readonly idempotent: boolean }
  | { readonly kind: 'wrong_expected_version'; readonly currentRevision: bigint };

/** A place in `$all` as the wire carries it; records compare as (position, position). */
export interface LogPosition {
  readonly commit: bigint;
  readonly prepare: bigint;
}

const compareAt = (recordPosition: bigint, p: LogPosition): number =>
  recordPosition !== p.commit ? (recordPosition < p.commit ? -1 : 1) : recordPosition === p.prepare ? 0 : recordPosition < p.prepare ? -1 : 1;

/** Size of the epoch record that opens the log: no event ever sits at position 0. */
const LOG_START = 128n;
const RECORD_OVERHEAD = 80;

export class EventLog {
  private readonly all: StoredEvent[] = [];
  private readonly streams = new Map<string, StoredEvent[]>();
  /** The server's committed-events cache: event id → the last record written with it. */
  private readonly byId = new Map<string, StoredEvent>();
  private readonly listeners = new Set<() => void>();
  private next = LOG_START;

  constructor(private readonly nowTicks: () => bigint = () => BigInt(Date.now()) * 10_000n) {}

  get length(): number {
    return this.all.length;
  }

  at(index: number): StoredEvent | undefined {
    return this.all[index];
  }

  /** Position where the next record will be written (what the server calls the writer checkpoint). */
  get writerCheckpoint(): bigint {
    return this.next;
  }

  lastRevision(streamName: string): bigint {
    const events = this.streams.get(streamName);
    return events ? BigInt(events.length - 1) : -1n;
  }

  /** Called after every write; returns the unsubscribe function. */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  append(streamName: string, expected: ExpectedVersion, events: readonly ProposedEvent[]): AppendOutcome {
    const current = this.lastRevision(streamName);
    const stream = this.streams.get(streamName) ?? [];
    const wrong = { kind: 'wrong_expected_version', currentRevision: current } as const;

    if (expected === 'stream_exists' && current < 0n) return wrong;

    if (expected === 'any' || expected === 'stream_exists') {
      // Idempotency through the committed-events cache: the first id decides, a partial match is corrupt.
      let last: StoredEvent | undefined;
      for (const [i, e] of events.entries()) {
        const known = this.byId.get(e.id);
        if (!known || known.streamName !== streamName) {
          if (i === 0) return this.write(streamName, stream, events);
          return wrong; // CorruptedIdempotency is answered as a wrong expected version
        }
        last = known;
      }
      if (!last) return this.write(streamName, stream, events);
      return { kind: 'success', currentRevision: last.revision, position: last.position, idempotent: true };
    }

    const expectedNumber = expected === 'no_stream' ? -1n : expected;
    if (expectedNumber < current) {
      // Behind the stream: succeed only if exactly these ids already follow the expected revision.
      let revision = expectedNumber;
      for (const e of events) {
        revision += 1n;
        if (stream[Number(revision)]?.id !== e.id) return wrong;
      }
      if (revision === expectedNumber) return wrong; // nothing proposed
      const last = stream[Number(revision)] as StoredEvent;
      return { kind: 'success', currentRevision: last.revision, position: last.position, idempotent: true };
    }
    if (expectedNumber > current) return wrong;
    return this.write(streamName, stream, events);
  }

  private write(streamName: string, stream: StoredEvent[], events: readonly ProposedEvent[]): AppendOutcome {
    if (events.length === 0) {
      return { kind: 'success', currentRevision: BigInt(stream.length - 1), position: null, idempotent: false };
    }
    if (!this.streams.has(streamName)) this.streams.set(streamName, stream);
    const createdTicks = this.nowTicks();
    let last: StoredEvent | undefined;
    for (const e of events) {
      const size = BigInt(
        RECORD_OVERHEAD + Buffer.byteLength(streamName) + Buffer.byteLength(e.type) + e.data.byteLength + e.metadata.byteLength,
      );
      const stored: StoredEvent = { ...e, streamName, revision: BigInt(stream.length), position: this.next, postPosition: this.next + size, createdTicks };
      this.next += size;
      stream.push(stored);
      this.all.push(stored);
      this.byId.set(e.id, stored);
      last = stored;
    }
    for (const listener of [...this.listeners]) listener();
    const lastEvent = last as StoredEvent;
    // A write answers with the position of its last record (commit = prepare), like the server.
    return { kind: 'success', currentRevision: lastEvent.revision, position: lastEvent.position, idempotent: false };
  }

  /** `null` when the stream does not exist. `from` is inclusive in both directions. */
  readStream(
    streamName: string,
    options: { readonly from: bigint | 'start' | 'end'; readonly backwards: boolean; readonly count: bigint },
  ): StoredEvent[] | null {
    const stream = this.streams.get(streamName);
    if (!stream || stream.length === 0) return null;
    const last = BigInt(stream.length - 1);
    const out: StoredEvent[] = [];
    if (options.backwards) {
      const from = options.from === 'end' ? last : options.from === 'start' ? 0n : options.from;
      for (let r = from > last ? last : from; r >= 0n && BigInt(out.length) < options.count; r--) out.push(stream[Number(r)] as StoredEvent);
    } else {
      if (options.from === 'end') return out;
      const from = options.from === 'start' ? 0n : options.from;
      for (let r = from; r <= last && BigInt(out.length) < options.count; r++) out.push(stream[Number(r)] as StoredEvent);
    }
    return out;
  }

  /**
   * Index into `$all` of the first record at or after `from` (forwards, inclusive — as the server's
   * `ReadAllEventsForward`).
   */
  firstIndexAtOrAfter(from: LogPosition): number {
    let lo = 0;
    let hi = this.all.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareAt((this.all[mid] as StoredEvent).position, from) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Reading `$all` backwards from a position returns records whose post-position is at or before it,
   * so the record that starts exactly at the position is not included (exclusive), as on the server.
   */
  lastIndexEndingAtOrBefore(from: LogPosition): number {
    let i = this.all.length - 1;
    while (i >= 0) {
      const e = this.all[i] as StoredEvent;
      if (compareAt(e.postPosition, from) <= 0) break;
      i--;
    }
    return i;
  }
}
