/**
 * The EventStore port. Its semantics mirror EventStoreDB exactly, so the PostgreSQL adapter and the
 * EventStoreDB adapter pass one contract suite (event-store.contract.ts):
 * - stream revisions start at 0; `appendToStream` checks the expected revision atomically;
 * - a mismatch fails with a WrongExpectedVersionError carrying the actual revision;
 * - re-appending events whose ids are already in the stream at that place is an idempotent success;
 * - `$all` is read and subscribed in one global order from an opaque, exclusive position.
 */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** `no_stream`: must not exist; `stream_exists`: must exist; `any`: no check; a number: the exact current revision. */
export type ExpectedRevision = 'no_stream' | 'stream_exists' | 'any' | number;

/** A place in `$all`. Compare with `comparePositions`; treat the fields as opaque outside adapters. */
export interface Position {
  readonly commit: bigint;
  readonly prepare: bigint;
}

export const START: Position = { commit: 0n, prepare: 0n };

export interface EventData {
  /** A UUID. Re-appending the same ids at the same place is a no-op (idempotency). */
  readonly id: string;
  readonly type: string;
  readonly data: JsonValue;
  readonly metadata?: JsonObject;
}

export interface RecordedEvent {
  readonly streamName: string;
  readonly revision: number;
  readonly id: string;
  readonly type: string;
  readonly data: JsonValue;
  readonly metadata: JsonObject;
  readonly position: Position;
  readonly created: Date;
}

export interface AppendResult {
  /** Revision of the last event now in the stream: pass it as the next expected revision. */
  readonly nextExpectedRevision: number;
  /** Position of the last appended event in `$all` (for read-your-writes). */
  readonly position: Position;
  /**
   * False: these events were written now, exactly as given. True: events with these ids were there
   * already, so nothing was written (EventStoreDB's idempotent append; their data may differ). Absent:
   * the store cannot tell (EventStoreDB does not say), and a caller that cares reads the stream back.
   */
  readonly idempotent?: boolean;
}

export interface ReadStreamOptions {
  readonly direction?: 'forwards' | 'backwards';
  /** Inclusive start; `'start'` / `'end'` by default depending on direction. */
  readonly fromRevision?: number | 'start' | 'end';
  readonly maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive: the first event returned is the one after this position. */
  readonly fromPosition?: Position | 'start';
  readonly maxCount?: number;
  readonly filter?: AllFilter;
}

export interface AllFilter {
  /** Keep only events whose stream name starts with one of these. */
  readonly streamNamePrefixes?: readonly string[];
  /** Keep only events whose type starts with one of these. */
  readonly eventTypePrefixes?: readonly string[];
}

export type SubscriptionMessage =
  | { readonly kind: 'event'; readonly event: RecordedEvent }
  /** Emitted each time the subscription has delivered everything there was and switches to live. */
  | { readonly kind: 'caughtUp'; readonly position: Position };

export interface SubscribeToAllOptions {
  readonly fromPosition?: Position | 'start' | 'end';
  readonly filter?: AllFilter;
  readonly signal?: AbortSignal;
  /** Events read per round trip while catching up. */
  readonly batchSize?: number;
}

export interface EventStore {
  readonly name: string;
  appendToStream(streamName: string, events: readonly EventData[], options?: { expectedRevision?: ExpectedRevision }): Promise<AppendResult>;
  /** Throws StreamNotFoundError when the stream has no events. */
  readStream(streamName: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Position of the last event in `$all` (START when empty). */
  headPosition(): Promise<Position>;
  /** Catch up from a position, then deliver new events live; ends when the signal aborts or the iterator is returned. */
  subscribeToAll(options?: SubscribeToAllOptions): AsyncIterable<SubscriptionMessage>;
  close(): Promise<void>;
}

export class WrongExpectedVersionError extends Error {
  constructor(
    readonly streamName: string,
    readonly expected: ExpectedRevision,
    /** The stream's actual revision, or `no_stream` when it does not exist. */
    readonly actual: number | 'no_stream',
  ) {
    super(`Wrong expected revision on ${streamName}: expected ${String(expected)}, actual ${String(actual)}`);
    this.name = 'WrongExpectedVersionError';
  }
}

export class StreamNotFoundError extends Error {
  constructor(readonly streamName: string) {
    super(`Stream ${streamName} not found`);
    this.name = 'StreamNotFoundError';
  }
}

export function comparePositions(a: Position, b: Position): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

/** Text form for checkpoints and cursors: `commit/prepare`. */
export const positionToString = (p: Position): string => `${p.commit}/${p.prepare}`;

export function parsePosition(text: string): Position | null {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  return m ? { commit: BigInt(m[1] as string), prepare: BigInt(m[2] as string) } : null;
}

export const isSystemEvent = (type: string): boolean => type.startsWith('$');

export function matchesFilter(filter: AllFilter | undefined, streamName: string, type: string): boolean {
  if (!filter) return true;
  if (filter.streamNamePrefixes && !filter.streamNamePrefixes.some((p) => streamName.startsWith(p))) return false;
  if (filter.eventTypePrefixes && !filter.eventTypePrefixes.some((p) => type.startsWith(p))) return false;
  return true;
}
