import {
  ANY,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type AppendExpectedRevision,
  BACKWARDS,
  END,
  ErrorType,
  EventStoreDBClient,
  type Filter,
  FORWARDS,
  type JSONType,
  NO_STREAM,
  type ResolvedEvent,
  START as ESDB_START,
  STREAM_EXISTS,
  excludeSystemEvents,
  eventTypeFilter,
  isCommandError,
  jsonEvent,
  streamNameFilter,
} from '@eventstore/db-client';
import {
  type AllFilter,
  type AppendResult,
  type EventData,
  type EventStore,
  type ExpectedRevision,
  type JsonObject,
  type JsonValue,
  type Position,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  START,
  StreamNotFoundError,
  type SubscribeToAllOptions,
  type SubscriptionMessage,
  WrongExpectedVersionError,
  comparePositions,
  isSystemEvent,
  matchesFilter,
} from '../event-store';

/** Events read per round trip when `$all` has to be filtered on this side. */
const PAGE_SIZE = 500;
/** A live subscription pauses the server after this many undelivered events, and resumes below half. */
const SUBSCRIPTION_HIGH_WATER = 1000;

/**
 * The EventStore port on EventStoreDB (gRPC client 6.x, server 23.10 or newer for the caught-up
 * signal of subscriptions). EventStoreDB is the model the port mirrors, so most of this is a
 * translation; the differences it absorbs:
 * - `readAll` from a position is exclusive here, inclusive on the server: the event at the position is skipped;
 * - system events (types starting with `$`) never leave this adapter;
 * - the client reads `$all` unfiltered, so the port's filter is applied here, page by page;
 * - a subscription can be filtered on the server by stream name or by event type, not both: the
 *   server filters on one, this side on everything;
 * - `from: 'end'` subscribes after the head position read first, so `caughtUp` can name a position;
 * - a subscription's `batchSize` does not apply: the server streams, and this side pauses it when
 *   the consumer falls behind.
 * Idempotent re-appends (same event ids at the same place) are the server's own behaviour.
 */
export class EventStoreDbEventStore implements EventStore {
  readonly name = 'eventstoredb';
  private readonly client: EventStoreDBClient;

  /** `connectionString`: `esdb://host:2113?tls=false`, or `esdb+discover://…` for a cluster. */
  constructor(connectionString: string) {
    this.client = EventStoreDBClient.connectionString(connectionString);
  }

  async appendToStream(
    streamName: string,
    events: readonly EventData[],
    options: { expectedRevision?: ExpectedRevision } = {},
  ): Promise<AppendResult> {
    const expected = options.expectedRevision ?? 'any';
    if (events.length === 0) return this.emptyAppend(streamName, expected);
    try {
      const result = await this.client.appendToStream(
        streamName,
        events.map((e) => jsonEvent({ id: e.id, type: e.type, data: e.data as JSONType, metadata: e.metadata ?? {} })),
        { expectedRevision: toExpectedRevision(expected) },
      );
      const nextExpectedRevision = Number(result.nextExpectedRevision);
      // Older servers answer an idempotent append without a position: take the stored event's.
      const position = result.position ?? (await this.positionOf(streamName, nextExpectedRevision));
      return { nextExpectedRevision, position: { commit: position.commit, prepare: position.prepare } };
    } catch (err) {
      if (err instanceof Error && isCommandError(err) && err.type === ErrorType.WRONG_EXPECTED_VERSION) {
        throw new WrongExpectedVersionError(streamName, expected, toActualRevision(err.actualVersion));
      }
      throw err;
    }
  }

  /** EventStoreDB treats an empty append as an expected-revision check; it writes nothing, so reading is enough. */
  private async emptyAppend(streamName: string, expected: ExpectedRevision): Promise<AppendResult> {
    const last = await this.readStream(streamName, { direction: 'backwards', maxCount: 1 }).catch((err: unknown) => {
      if (err instanceof StreamNotFoundError) return [];
      throw err;
    });
    const current = last[0]?.revision ?? -1;
    const ok =
      expected === 'any' ||
      (expected === 'no_stream' && current === -1) ||
      (expected === 'stream_exists' && current >= 0) ||
      expected === current;
    if (!ok) throw new WrongExpectedVersionError(streamName, expected, current < 0 ? 'no_stream' : current);
    return { nextExpectedRevision: current, position: await this.headPosition() };
  }

  private async positionOf(streamName: string, revision: number): Promise<Position> {
    const [event] = await this.readStream(streamName, { fromRevision: revision, maxCount: 1 });
    return event?.position ?? START;
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const from = options.fromRevision ?? (backwards ? 'end' : 'start');
    const out: RecordedEvent[] = [];
    try {
      const read = this.client.readStream(streamName, {
        direction: backwards ? BACKWARDS : FORWARDS,
        fromRevision: typeof from === 'number' ? BigInt(from) : from === 'end' ? END : ESDB_START,
        maxCount: options.maxCount ?? Number.MAX_SAFE_INTEGER,
      });
      for await (const resolved of read as AsyncIterable<ResolvedEvent>) {
        if (resolved.event) out.push(toRecorded(resolved.event));
      }
    } catch (err) {
      if (err instanceof Error && isCommandError(err) && err.type === ErrorType.STREAM_NOT_FOUND) throw new StreamNotFoundError(streamName);
      throw err;
    }
    return out;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const after = options.fromPosition === undefined || options.fromPosition === 'start' ? START : options.fromPosition;
    const maxCount = options.maxCount ?? 1000;
    const pageSize = options.filter ? PAGE_SIZE : Math.min(maxCount + 1, PAGE_SIZE);
    const out: RecordedEvent[] = [];
    let cursor = after;
    while (out.length < maxCount) {
      // The server's `fromPosition` is inclusive; each page starts at the last event seen and skips it.
      const page = await this.readAllPage(FORWARDS, isStart(cursor) ? ESDB_START : cursor, pageSize);
      for (const event of page) {
        if (!isStart(cursor) && comparePositions(event.position, cursor) <= 0) continue;
        cursor = event.position;
        if (isSystemEvent(event.type) || !matchesFilter(options.filter, event.streamName, event.type)) continue;
        out.push(event);
        if (out.length === maxCount) break;
      }
      if (page.length < pageSize) break;
    }
    return out;
  }

  /** The last non-system event of `$all`, read backwards from the end. */
  async headPosition(): Promise<Position> {
    let before: Position | 'end' = 'end';
    let count = 1;
    for (;;) {
      const page = await this.readAllPage(BACKWARDS, before === 'end' ? END : before, count);
      for (const event of page) {
        if (before !== 'end' && comparePositions(event.position, before) >= 0) continue;
        before = event.position;
        if (!isSystemEvent(event.type)) return event.position;
      }
      if (page.length < count) return START;
      count = PAGE_SIZE;
    }
  }

  private async readAllPage(direction: typeof FORWARDS | typeof BACKWARDS, fromPosition: Position | typeof ESDB_START | typeof END, maxCount: number): Promise<RecordedEvent[]> {
    const page: RecordedEvent[] = [];
    const read = this.client.readAll({ direction, fromPosition, maxCount });
    for await (const resolved of read as AsyncIterable<AllStreamResolvedEvent>) {
      if (resolved.event) page.push(toRecorded(resolved.event));
    }
    return page;
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): AsyncIterable<SubscriptionMessage> {
    return { [Symbol.asyncIterator]: () => this.subscription(options) };
  }

  private async *subscription(options: SubscribeToAllOptions): AsyncGenerator<SubscriptionMessage> {
    const { signal, filter } = options;
    if (signal?.aborted) return;
    const after =
      options.fromPosition === 'end' ? await this.headPosition() : options.fromPosition === undefined || options.fromPosition === 'start' ? START : options.fromPosition;
    if (signal?.aborted) return;
    // A subscription from a position starts after it on the server already; the check below only guards it.
    const subscription = this.client.subscribeToAll({ fromPosition: isStart(after) ? ESDB_START : after, filter: serverFilter(filter) });
    const pump = new SubscriptionPump(subscription, signal);
    let lastDelivered = after;
    try {
      for (;;) {
        const item = await pump.next();
        if (signal?.aborted) return;
        if (item.kind === 'caughtUp') {
          yield { kind: 'caughtUp', position: lastDelivered };
        } else if (item.kind === 'event') {
          const event = item.event;
          if (!isStart(after) && comparePositions(event.position, after) <= 0) continue;
          if (isSystemEvent(event.type) || !matchesFilter(filter, event.streamName, event.type)) continue;
          lastDelivered = event.position;
          yield { kind: 'event', event };
        } else if (item.kind === 'error') {
          throw item.error;
        } else {
          throw new Error('EventStoreDB ended the subscription');
        }
      }
    } finally {
      pump.close();
      await subscription.unsubscribe();
    }
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }
}

export type PumpItem =
  | { readonly kind: 'event'; readonly event: RecordedEvent }
  | { readonly kind: 'caughtUp' }
  | { readonly kind: 'error'; readonly error: unknown }
  | { readonly kind: 'end' };

/**
 * Turns the client's subscription (events as stream data, `caughtUp` as an out-of-band stream event)
 * into one ordered sequence. The client emits `caughtUp` while events before it may still sit in the
 * stream's buffer, so the signal is placed after exactly that many more events. Exported for its unit test.
 */
export class SubscriptionPump {
  private readonly items: PumpItem[] = [];
  private received = 0;
  private readonly caughtUpAfter: number[] = [];
  private wake: (() => void) | null = null;
  private paused = false;
  private closed = false;
  private readonly onAbort = (): void => this.notify();

  constructor(
    private readonly subscription: Pick<AllStreamSubscription, 'on' | 'pause' | 'resume' | 'readableLength'>,
    private readonly signal: AbortSignal | undefined,
  ) {
    subscription.on('data', (resolved: AllStreamResolvedEvent) => {
      this.received++;
      if (resolved.event) this.push({ kind: 'event', event: toRecorded(resolved.event) });
      this.releaseCaughtUp();
      if (this.items.length >= SUBSCRIPTION_HIGH_WATER && !this.paused) {
        this.paused = true;
        subscription.pause();
      }
    });
    subscription.on('caughtUp', () => {
      this.caughtUpAfter.push(this.received + subscription.readableLength);
      this.releaseCaughtUp();
    });
    subscription.on('error', (error: unknown) => this.push({ kind: 'error', error }));
    subscription.on('end', () => this.push({ kind: 'end' }));
    signal?.addEventListener('abort', this.onAbort);
  }

  private releaseCaughtUp(): void {
    while (this.caughtUpAfter.length > 0 && (this.caughtUpAfter[0] as number) <= this.received) {
      this.caughtUpAfter.shift();
      this.push({ kind: 'caughtUp' });
    }
  }

  private push(item: PumpItem): void {
    if (this.closed) return;
    this.items.push(item);
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /** The next item; resolves early (with an end) when the signal aborts. */
  async next(): Promise<PumpItem> {
    while (this.items.length === 0) {
      if (this.signal?.aborted) return { kind: 'end' };
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    const item = this.items.shift() as PumpItem;
    if (this.paused && this.items.length < SUBSCRIPTION_HIGH_WATER / 2) {
      this.paused = false;
      this.subscription.resume();
    }
    return item;
  }

  close(): void {
    this.closed = true;
    this.signal?.removeEventListener('abort', this.onAbort);
    this.notify();
  }
}

/** The server filters one dimension; stream names are the narrower one for our consumers. */
function serverFilter(filter: AllFilter | undefined): Filter {
  if (filter?.streamNamePrefixes) return streamNameFilter({ prefixes: [...filter.streamNamePrefixes] });
  if (filter?.eventTypePrefixes) return eventTypeFilter({ prefixes: [...filter.eventTypePrefixes] });
  return excludeSystemEvents();
}

function toExpectedRevision(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    case 'any':
      return ANY;
    default:
      return BigInt(expected);
  }
}

/**
 * The actual revision of a wrong-expected-version answer, whatever shape the client gives it:
 * `"no_stream"`, a bigint, or a negative bigint (servers that answered with error trailers said -1
 * for a missing stream).
 */
export function toActualRevision(actual: unknown): number | 'no_stream' {
  if (typeof actual === 'bigint') return actual < 0n ? 'no_stream' : Number(actual);
  if (typeof actual === 'number') return actual < 0 ? 'no_stream' : actual;
  if (typeof actual === 'string' && /^-?\d+$/.test(actual)) return toActualRevision(BigInt(actual));
  return 'no_stream';
}

const isStart = (p: Position): boolean => p.commit === 0n && p.prepare === 0n;

interface ClientRecordedEvent {
  readonly streamId: string;
  readonly id: string;
  readonly revision: bigint;
  readonly type: string;
  readonly data: unknown;
  readonly metadata?: unknown;
  readonly isJson: boolean;
  readonly created: Date;
  readonly position?: { readonly commit: bigint; readonly prepare: bigint };
}

function toRecorded(e: ClientRecordedEvent): RecordedEvent {
  return {
    streamName: e.streamId,
    revision: Number(e.revision),
    id: e.id,
    type: e.type,
    data: toJson(e.data),
    metadata: toJsonObject(e.metadata),
    position: e.position ? { commit: e.position.commit, prepare: e.position.prepare } : START,
    created: e.created,
  };
}

/** JSON events arrive parsed; anything else (written by another tool) is decoded as JSON when it is JSON. */
function toJson(data: unknown): JsonValue {
  if (data instanceof Uint8Array) {
    const text = Buffer.from(data).toString('utf8');
    try {
      return JSON.parse(text) as JsonValue;
    } catch {
      return text;
    }
  }
  return data as JsonValue;
}

function toJsonObject(metadata: unknown): JsonObject {
  const value = metadata instanceof Uint8Array ? toJson(metadata) : metadata;
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : {};
}
