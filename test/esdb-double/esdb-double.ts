/**
 * A wire-level test double of an EventStoreDB node: an in-memory gRPC server built with
 * `@grpc/grpc-js` from the service definitions generated inside `@eventstore/db-client` itself, so
 * the real, unmodified client talks to it over 127.0.0.1 with `?tls=false`. Tests and local runs
 * only — nothing under `src/` may import it.
 *
 * What a single-node connection string (`esdb://host:port?tls=false`) makes the client 6.x call, and
 * so what is served here:
 * - `ServerFeatures.GetSupportedMethods` — asked once, before the first append, to choose between
 *   `Streams.BatchAppend` (advertised by servers since 21.10) and `Streams.Append`; no gossip.
 * - `Streams.Append` and `Streams.BatchAppend`, with the server's answers: success with the revision
 *   and position of the last event; a wrong expected version in `AppendResp.wrong_expected_version`
 *   (Append) or as a `google.rpc.Status` with code ALREADY_EXISTS carrying
 *   `event_store.client.WrongExpectedVersion` (BatchAppend); an idempotent success for the same ids.
 * - `Streams.Read`: stream reads both directions (a missing stream answers `stream_not_found`),
 *   `$all` reads both directions (forwards inclusive, backwards exclusive of the position), and
 *   `$all` subscriptions: confirmation, catch-up, `caught_up`, live events, filtered by stream name
 *   or event type (prefixes or regex) with checkpoints, starting exclusively after a position.
 * The storage rules are in `event-log.ts`.
 */
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import * as featuresGrpc from '@eventstore/db-client/generated/serverfeatures_grpc_pb';
import * as features from '@eventstore/db-client/generated/serverfeatures_pb';
import * as shared from '@eventstore/db-client/generated/shared_pb';
import * as rpcStatus from '@eventstore/db-client/generated/status_pb';
import * as streamsGrpc from '@eventstore/db-client/generated/streams_grpc_pb';
import * as streams from '@eventstore/db-client/generated/streams_pb';
import { Any } from 'google-protobuf/google/protobuf/any_pb';
import { Empty as WellKnownEmpty } from 'google-protobuf/google/protobuf/empty_pb';
import { EventLog, type ExpectedVersion, type LogPosition, type ProposedEvent, type StoredEvent } from './event-log';

export interface EsdbDoubleOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: a free port. */
  readonly port?: number;
  /** Advertise `Streams.BatchAppend` in the server features (EventStoreDB ≥ 21.10 does). Default true. */
  readonly batchAppend?: boolean;
  /**
   * Answer as EventStoreDB 20.6.0 did: no ServerFeatures service (so the client appends with
   * `Streams.Append`), a wrong expected version and a missing stream as gRPC errors whose trailers
   * say `exception: wrong-expected-version` / `stream-not-found` (actual version `-1` for no stream).
   */
  readonly legacyErrors?: boolean;
  /** Largest append in bytes (the server's `MaxAppendSize`). Default 1 MiB. */
  readonly maxAppendSize?: number;
  /** Start with the system events a fresh node writes (`$metadata`, `$statsCollected`). Default true. */
  readonly systemEvents?: boolean;
}

export interface EsdbDouble {
  /** Connection string for the client, e.g. `esdb://127.0.0.1:40123?tls=false`. */
  readonly url: string;
  readonly port: number;
  /** The stored log, for assertions. */
  readonly log: EventLog;
  /** Operations served, in order: `GetSupportedMethods`, `Append`, `BatchAppend` (one per append), `Read`, `Subscribe`. */
  readonly calls: readonly string[];
  /** Append an event of a system type (`$…`) to a system stream, as the server does by itself. */
  appendSystemEvent(type?: string, streamName?: string): void;
  stop(): Promise<void>;
}

const SERVER_VERSION = '24.10.0';
/** The server's `ReadBatchSize`: the default search window of a filtered subscription. */
const DEFAULT_SEARCH_WINDOW = 32;
const STATUS_ALREADY_EXISTS = 6;
const STATUS_INVALID_ARGUMENT = 3;

/** Starts a double on 127.0.0.1 (port 0 = any free port). */
export async function startEsdbDouble(options: EsdbDoubleOptions = {}): Promise<EsdbDouble> {
  const log = new EventLog();
  const calls: string[] = [];
  const settings = {
    batchAppend: options.batchAppend ?? true,
    legacyErrors: options.legacyErrors ?? false,
    maxAppendSize: options.maxAppendSize ?? 1024 * 1024,
  };
  const appendSystemEvent = (type = '$statsCollected', streamName = '$stats-127.0.0.1:2113'): void => {
    const data = Buffer.from(JSON.stringify({ 'proc-id': process.pid, 'sys-cpu': 0 }));
    log.append(streamName, 'any', [{ id: randomUUID(), type, isJson: true, data, metadata: new Uint8Array() }]);
  };
  if (options.systemEvents ?? true) {
    appendSystemEvent('$metadata', '$$$scavenges');
    appendSystemEvent();
  }

  const server = new grpc.Server();
  if (!settings.legacyErrors) server.addService(featuresGrpc.ServerFeaturesService, serverFeatures(settings.batchAppend, calls));
  server.addService(streamsGrpc.StreamsService, streamsService(log, calls, settings));

  const host = options.host ?? '127.0.0.1';
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${options.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    url: `esdb://${host}:${port}?tls=false`,
    port,
    log,
    calls,
    appendSystemEvent,
    stop: () =>
      new Promise<void>((resolve) => {
        // Live subscriptions never end by themselves: cancel every call, as a stopping node does.
        server.forceShutdown();
        resolve();
      }),
  };
}

function serverFeatures(batchAppend: boolean, calls: string[]): grpc.UntypedServiceImplementation {
  const method = (serviceName: string, methodName: string, ...feats: string[]): features.SupportedMethod =>
    new features.SupportedMethod().setServiceName(serviceName).setMethodName(methodName).setFeaturesList(feats);
  return {
    getSupportedMethods: (_call: grpc.ServerUnaryCall<shared.Empty, features.SupportedMethods>, callback: grpc.sendUnaryData<features.SupportedMethods>) => {
      calls.push('GetSupportedMethods');
      // Names lower-cased and features as the server lists them (ServerFeatures.cs).
      const methods = [
        method('event_store.client.server_features.serverfeatures', 'getsupportedmethods'),
        method('event_store.client.streams.streams', 'read', 'position', 'events'),
        method('event_store.client.streams.streams', 'append'),
        ...(batchAppend ? [method('event_store.client.streams.streams', 'batchappend', 'deadline_duration')] : []),
      ];
      callback(null, new features.SupportedMethods().setMethodsList(methods).setEventStoreServerVersion(SERVER_VERSION));
    },
  };
}

interface StreamsSettings {
  readonly legacyErrors: boolean;
  readonly maxAppendSize: number;
}

function streamsService(log: EventLog, calls: string[], settings: StreamsSettings): grpc.UntypedServiceImplementation {
  return {
    append: (call: grpc.ServerReadableStream<streams.AppendReq, streams.AppendResp>, callback: grpc.sendUnaryData<streams.AppendResp>) => {
      calls.push('Append');
      let options: streams.AppendReq.Options | undefined;
      const events: ProposedEvent[] = [];
      let size = 0;
      let failed = false;
      const fail = (error: Partial<grpc.StatusObject>): void => {
        if (failed) return;
        failed = true;
        callback(error);
      };
      call.on('data', (req: streams.AppendReq) => {
        if (failed) return;
        if (req.hasOptions()) {
          options = req.getOptions();
          return;
        }
        const message = req.getProposedMessage();
        if (!options || !message) return fail({ code: grpc.status.INVALID_ARGUMENT, details: 'options must come first' });
        const proposed = fromProposed(message);
        size += proposed.data.byteLength;
        if (size > settings.maxAppendSize) return fail(maxAppendSizeError(settings.maxAppendSize));
        events.push(proposed);
      });
      call.on('end', () => {
        if (failed) return;
        if (!options) return fail({ code: grpc.status.INVALID_ARGUMENT, details: 'no options' });
        const streamName = streamNameOf(options.getStreamIdentifier());
        const expected: ExpectedVersion = options.hasRevision()
          ? BigInt(options.getRevision())
          : options.hasNoStream()
            ? 'no_stream'
            : options.hasStreamExists()
              ? 'stream_exists'
              : 'any';
        const outcome = log.append(streamName, expected, events);
        if (outcome.kind === 'success') {
          const success = new streams.AppendResp.Success();
          if (outcome.currentRevision < 0n) success.setNoStream(new shared.Empty());
          else success.setCurrentRevision(outcome.currentRevision.toString());
          if (outcome.position === null) success.setNoPosition(new shared.Empty());
          else success.setPosition(new streams.AppendResp.Position().setCommitPosition(outcome.position.toString()).setPreparePosition(outcome.position.toString()));
          callback(null, new streams.AppendResp().setSuccess(success));
          return;
        }
        if (settings.legacyErrors) {
          const metadata = new grpc.Metadata();
          metadata.set('exception', 'wrong-expected-version');
          metadata.set('stream-name', streamName);
          metadata.set('expected-version', legacyExpectedVersion(expected).toString());
          metadata.set('actual-version', outcome.currentRevision.toString());
          return fail({ code: grpc.status.FAILED_PRECONDITION, details: `Append failed due to WrongExpectedVersion. Stream: ${streamName}`, metadata });
        }
        // Both the current fields and the 20.6.0 compatibility fields, as the server fills them.
        const wev = new streams.AppendResp.WrongExpectedVersion();
        if (outcome.currentRevision < 0n) {
          wev.setCurrentNoStream(new shared.Empty());
          wev.setNoStream2060(new shared.Empty());
        } else {
          wev.setCurrentRevision(outcome.currentRevision.toString());
          wev.setCurrentRevision2060(Number(outcome.currentRevision));
        }
        if (expected === 'any') {
          wev.setExpectedAny(new shared.Empty());
          wev.setAny2060(new shared.Empty());
        } else if (expected === 'stream_exists') {
          wev.setExpectedStreamExists(new shared.Empty());
          wev.setStreamExists2060(new shared.Empty());
        } else if (expected === 'no_stream') {
          wev.setExpectedNoStream(new shared.Empty());
        } else {
          wev.setExpectedRevision(expected.toString());
          wev.setExpectedRevision2060(Number(expected));
        }
        callback(null, new streams.AppendResp().setWrongExpectedVersion(wev));
      });
      call.on('error', () => {
        failed = true;
      });
    },

    batchAppend: (call: grpc.ServerDuplexStream<streams.BatchAppendReq, streams.BatchAppendResp>) => {
      const pending = new Map<string, { streamName: string; expected: ExpectedVersion; events: ProposedEvent[]; size: number }>();
      call.on('data', (req: streams.BatchAppendReq) => {
        const correlation = req.getCorrelationId();
        const key = uuidText(correlation);
        const options = req.getOptions();
        if (options) {
          pending.set(key, {
            streamName: streamNameOf(options.getStreamIdentifier()),
            expected: options.hasStreamPosition()
              ? BigInt(options.getStreamPosition())
              : options.hasNoStream()
                ? 'no_stream'
                : options.hasStreamExists()
                  ? 'stream_exists'
                  : 'any',
            events: [],
            size: 0,
          });
        }
        const write = pending.get(key);
        if (!write) return;
        for (const message of req.getProposedMessagesList()) {
          const proposed = fromProposed(message);
          write.size += proposed.data.byteLength + proposed.metadata.byteLength + 2 * Buffer.byteLength(proposed.type);
          write.events.push(proposed);
        }
        const resp = new streams.BatchAppendResp().setCorrelationId(correlation).setStreamIdentifier(streamIdentifier(write.streamName));
        if (write.size > settings.maxAppendSize) {
          pending.delete(key);
          const detail = new shared.MaximumAppendSizeExceeded().setMaxappendsize(settings.maxAppendSize);
          call.write(resp.setError(statusWith(STATUS_INVALID_ARGUMENT, 'MaximumAppendSizeExceeded', detail, 'event_store.client.MaximumAppendSizeExceeded')));
          return;
        }
        if (!req.getIsFinal()) return;
        pending.delete(key);
        calls.push('BatchAppend');
        const outcome = log.append(write.streamName, write.expected, write.events);
        if (outcome.kind === 'success') {
          const success = new streams.BatchAppendResp.Success();
          if (outcome.currentRevision < 0n) success.setNoStream(new WellKnownEmpty());
          else success.setCurrentRevision(outcome.currentRevision.toString());
          if (outcome.position === null) success.setNoPosition(new WellKnownEmpty());
          else success.setPosition(new shared.AllStreamPosition().setCommitPosition(outcome.position.toString()).setPreparePosition(outcome.position.toString()));
          call.write(resp.setSuccess(success));
          return;
        }
        const wev = new shared.WrongExpectedVersion();
        if (outcome.currentRevision < 0n) wev.setCurrentNoStream(new WellKnownEmpty());
        else wev.setCurrentStreamRevision(outcome.currentRevision.toString());
        if (write.expected === 'any') wev.setExpectedAny(new WellKnownEmpty());
        else if (write.expected === 'stream_exists') wev.setExpectedStreamExists(new WellKnownEmpty());
        else if (write.expected === 'no_stream') wev.setExpectedNoStream(new WellKnownEmpty());
        else wev.setExpectedStreamPosition(write.expected.toString());
        call.write(resp.setError(statusWith(STATUS_ALREADY_EXISTS, 'WrongExpectedVersion', wev, 'event_store.client.WrongExpectedVersion')));
      });
      call.on('end', () => call.end());
      call.on('error', () => undefined);
    },

    read: (call: grpc.ServerWritableStream<streams.ReadReq, streams.ReadResp>) => {
      const options = call.request.getOptions();
      if (!options) {
        call.emit('error', { code: grpc.status.INVALID_ARGUMENT, details: 'options are required' });
        return;
      }
      const structuredIds = options.getUuidOption()?.hasStructured() ?? false;
      const out = new Writer(call);
      const run = async (): Promise<void> => {
        const stream = options.getStream();
        const all = options.getAll();
        if (stream) {
          if (options.hasSubscription()) {
            call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: 'stream subscriptions are not served by the double' });
            return;
          }
          calls.push('Read');
          await readStream(log, options, stream, structuredIds, out, settings.legacyErrors);
        } else if (all) {
          if (options.hasSubscription()) {
            calls.push('Subscribe');
            await subscribeToAll(log, options, all, structuredIds, out);
            return;
          }
          calls.push('Read');
          await readAll(log, options, all, structuredIds, out);
        } else {
          call.emit('error', { code: grpc.status.INVALID_ARGUMENT, details: 'stream or all is required' });
        }
      };
      run().catch((err: unknown) => call.emit('error', { code: grpc.status.INTERNAL, details: String(err) }));
    },
  };
}

/** Writes with back-pressure and notices a cancelled call. */
class Writer {
  cancelled = false;
  private readonly cancelWaiters = new Set<() => void>();

  constructor(readonly call: grpc.ServerWritableStream<streams.ReadReq, streams.ReadResp>) {
    const cancel = (): void => {
      this.cancelled = true;
      for (const w of this.cancelWaiters) w();
    };
    call.on('cancelled', cancel);
    call.on('close', cancel);
    call.on('error', cancel);
  }

  async write(resp: streams.ReadResp): Promise<boolean> {
    if (this.cancelled) return false;
    if (!this.call.write(resp)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.cancelWaiters.delete(done);
          resolve();
        };
        this.cancelWaiters.add(done);
        this.call.once('drain', done);
      });
    }
    return !this.cancelled;
  }

  /** Resolves on the next call of `wake` or when the call is cancelled. */
  waitFor(subscribe: (wake: () => void) => () => void): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.cancelled) return resolve();
      const done = (): void => {
        unsubscribe();
        this.cancelWaiters.delete(done);
        resolve();
      };
      const unsubscribe = subscribe(done);
      this.cancelWaiters.add(done);
    });
  }

  end(): void {
    if (!this.cancelled) this.call.end();
  }
}

async function readStream(
  log: EventLog,
  options: streams.ReadReq.Options,
  stream: streams.ReadReq.Options.StreamOptions,
  structuredIds: boolean,
  out: Writer,
  legacyErrors: boolean,
): Promise<void> {
  const identifier = stream.getStreamIdentifier();
  const streamName = streamNameOf(identifier);
  const events = log.readStream(streamName, {
    from: stream.hasRevision() ? BigInt(stream.getRevision()) : stream.hasEnd() ? 'end' : 'start',
    backwards: options.getReadDirection() === streams.ReadReq.Options.ReadDirection.BACKWARDS,
    count: BigInt(options.getCount() || '0'),
  });
  if (events === null) {
    if (legacyErrors) {
      const metadata = new grpc.Metadata();
      metadata.set('exception', 'stream-not-found');
      metadata.set('stream-name', streamName);
      out.call.emit('error', { code: grpc.status.NOT_FOUND, details: `Event stream '${streamName}' is not found.`, metadata });
      return;
    }
    const notFound = new streams.ReadResp.StreamNotFound().setStreamIdentifier(identifier ?? streamIdentifier(streamName));
    await out.write(new streams.ReadResp().setStreamNotFound(notFound));
    out.end();
    return;
  }
  for (const e of events) if (!(await out.write(eventResp(e, structuredIds)))) return;
  out.end();
}

async function readAll(log: EventLog, options: streams.ReadReq.Options, all: streams.ReadReq.Options.AllOptions, structuredIds: boolean, out: Writer): Promise<void> {
  const backwards = options.getReadDirection() === streams.ReadReq.Options.ReadDirection.BACKWARDS;
  const count = BigInt(options.getCount() || '0');
  const filter = options.hasFilter() ? eventFilter(options.getFilter()) : null;
  const position = all.getPosition();
  let sent = 0n;
  if (backwards) {
    let i = all.hasStart() ? -1 : position ? log.lastIndexEndingAtOrBefore(positionOf(position)) : log.length - 1;
    for (; i >= 0 && sent < count; i--) {
      const e = log.at(i) as StoredEvent;
      if (filter && !filter(e)) continue;
      if (!(await out.write(eventResp(e, structuredIds)))) return;
      sent++;
    }
  } else {
    let i = all.hasEnd() ? log.length : position ? log.firstIndexAtOrAfter(positionOf(position)) : 0;
    for (; i < log.length && sent < count; i++) {
      const e = log.at(i) as StoredEvent;
      if (filter && !filter(e)) continue;
      if (!(await out.write(eventResp(e, structuredIds)))) return;
      sent++;
    }
  }
  out.end();
}

/**
 * A `$all` subscription as `Enumerators.AllSubscription(Filtered)` serves it: confirmation first;
 * from a position, the server reads one event forward from it and continues after that event (so
 * the start is exclusive); catch-up, then `caught_up` once, then live. A filtered subscription sends
 * a checkpoint each `checkpointIntervalMultiplier × window` events it has looked at, with the
 * position of the last event looked at.
 */
async function subscribeToAll(log: EventLog, options: streams.ReadReq.Options, all: streams.ReadReq.Options.AllOptions, structuredIds: boolean, out: Writer): Promise<void> {
  const filterOptions = options.getFilter();
  const filter = options.hasFilter() ? eventFilter(filterOptions) : null;
  const window = filterOptions?.hasMax() ? filterOptions.getMax() : DEFAULT_SEARCH_WINDOW;
  const checkpointInterval = Math.max(1, filterOptions?.getCheckpointintervalmultiplier() ?? 1) * window;

  let cursor: number;
  const position = all.getPosition();
  if (all.hasEnd()) cursor = log.length;
  else if (!position || (position.getCommitPosition() === '0' && position.getPreparePosition() === '0')) cursor = 0;
  else {
    const first = log.firstIndexAtOrAfter(positionOf(position));
    cursor = first < log.length ? first + 1 : first;
  }

  const confirmation = new streams.ReadResp.SubscriptionConfirmation().setSubscriptionId(randomUUID());
  if (!(await out.write(new streams.ReadResp().setConfirmation(confirmation)))) return;

  let caughtUp = false;
  let considered = 0;
  while (!out.cancelled) {
    if (cursor >= log.length) {
      if (!caughtUp) {
        caughtUp = true;
        if (!(await out.write(new streams.ReadResp().setCaughtUp(new streams.ReadResp.CaughtUp())))) return;
        continue;
      }
      await out.waitFor((wake) => log.onAppend(wake));
      continue;
    }
    let lastLookedAt: StoredEvent | undefined;
    for (let n = 0; n < window && cursor < log.length; n++) {
      const e = log.at(cursor++) as StoredEvent;
      lastLookedAt = e;
      if (!filter) {
        if (!(await out.write(eventResp(e, structuredIds)))) return;
        continue;
      }
      considered++;
      if (!filter(e)) continue;
      if (!(await out.write(eventResp(e, structuredIds)))) return;
    }
    const reachedEnd = cursor >= log.length;
    if (filter && lastLookedAt && considered >= checkpointInterval && (caughtUp || !reachedEnd)) {
      considered %= checkpointInterval;
      const checkpoint = new streams.ReadResp.Checkpoint()
        .setCommitPosition(lastLookedAt.position.toString())
        .setPreparePosition(lastLookedAt.position.toString());
      if (!(await out.write(new streams.ReadResp().setCheckpoint(checkpoint)))) return;
    }
  }
}

type EventFilter = (e: StoredEvent) => boolean;

function eventFilter(options: streams.ReadReq.Options.FilterOptions | undefined): EventFilter | null {
  if (!options) return null;
  const onStream = options.getStreamIdentifier();
  const onType = options.getEventType();
  const expression = onStream ?? onType;
  if (!expression) return null;
  const field = (e: StoredEvent): string => (onStream ? e.streamName : e.type);
  const regex = expression.getRegex();
  if (regex) {
    const re = new RegExp(regex);
    return (e) => re.test(field(e));
  }
  const prefixes = expression.getPrefixList();
  return (e) => prefixes.some((p) => field(e).startsWith(p));
}

function eventResp(e: StoredEvent, structuredIds: boolean): streams.ReadResp {
  const recorded = new streams.ReadResp.ReadEvent.RecordedEvent()
    .setId(uuidMessage(e.id, structuredIds))
    .setStreamIdentifier(streamIdentifier(e.streamName))
    .setStreamRevision(e.revision.toString())
    .setCommitPosition(e.position.toString())
    .setPreparePosition(e.position.toString())
    .setData(e.data)
    .setCustomMetadata(e.metadata);
  const metadata = recorded.getMetadataMap();
  metadata.set('type', e.type);
  metadata.set('created', e.createdTicks.toString());
  metadata.set('content-type', e.isJson ? 'application/json' : 'application/octet-stream');
  const readEvent = new streams.ReadResp.ReadEvent().setEvent(recorded).setCommitPosition(e.position.toString());
  return new streams.ReadResp().setEvent(readEvent);
}

function fromProposed(message: streams.AppendReq.ProposedMessage | streams.BatchAppendReq.ProposedMessage): ProposedEvent {
  const metadata = message.getMetadataMap();
  return {
    id: uuidText(message.getId()),
    type: metadata.get('type') ?? '',
    isJson: metadata.get('content-type') === 'application/json',
    data: message.getData_asU8(),
    metadata: message.getCustomMetadata_asU8(),
  };
}

function statusWith(code: number, message: string, detail: { serializeBinary(): Uint8Array }, typeName: string): rpcStatus.Status {
  const details = new Any();
  details.pack(detail.serializeBinary(), typeName);
  return new rpcStatus.Status().setCode(code).setMessage(message).setDetails(details);
}

function maxAppendSizeError(maxAppendSize: number): Partial<grpc.StatusObject> {
  const metadata = new grpc.Metadata();
  metadata.set('exception', 'maximum-append-size-exceeded');
  metadata.set('maximum-append-size', String(maxAppendSize));
  return { code: grpc.status.INVALID_ARGUMENT, details: `Maximum Append Size of ${maxAppendSize} Exceeded.`, metadata };
}

/** ExpectedVersion constants of the server: Any −2, NoStream −1, StreamExists −4. */
const legacyExpectedVersion = (expected: ExpectedVersion): bigint =>
  expected === 'any' ? -2n : expected === 'no_stream' ? -1n : expected === 'stream_exists' ? -4n : expected;

const streamNameOf = (identifier: shared.StreamIdentifier | undefined): string =>
  identifier ? Buffer.from(identifier.getStreamName_asU8()).toString('utf8') : '';

const streamIdentifier = (streamName: string): shared.StreamIdentifier =>
  new shared.StreamIdentifier().setStreamName(Uint8Array.from(Buffer.from(streamName, 'utf8')));

const positionOf = (p: streams.ReadReq.Options.Position): LogPosition => ({ commit: BigInt(p.getCommitPosition()), prepare: BigInt(p.getPreparePosition()) });

function uuidText(uuid: shared.UUID | undefined): string {
  if (!uuid) return '';
  const structured = uuid.getStructured();
  if (!structured) return uuid.getString().toLowerCase();
  const hex = (v: string): string => BigInt.asUintN(64, BigInt(v)).toString(16).padStart(16, '0');
  const h = hex(structured.getMostSignificantBits()) + hex(structured.getLeastSignificantBits());
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function uuidMessage(id: string, structured: boolean): shared.UUID {
  if (!structured) return new shared.UUID().setString(id);
  const hex = id.replace(/-/g, '');
  return new shared.UUID().setStructured(
    new shared.UUID.Structured()
      .setMostSignificantBits(BigInt.asIntN(64, BigInt(`0x${hex.slice(0, 16)}`)).toString())
      .setLeastSignificantBits(BigInt.asIntN(64, BigInt(`0x${hex.slice(16)}`)).toString()),
  );
}
