/**
 * The write side: load the provider stream's state, decide (pure), append with the revision read,
 * and on a wrong-expected-version answer re-read and decide again. Only a real overlap surfaces as
 * SLOT_TAKEN (the decider says so on fresh state); retries exhausted surface as CONCURRENCY_CONFLICT.
 *
 * Loading does not grow with stream length: state is cached per stream in this process (the append's
 * expected revision tells us when another process got there first), and cold loads start from a
 * snapshot persisted every `snapshotEvery` events, reading only the tail after it.
 *
 * Commands for one stream take turns per process; the commands that arrive during a turn go together
 * in the next one (group commit, see handleBatch): a hot stream then costs one append per turn rather
 * than one per command.
 */
import { randomUUID } from 'node:crypto';
import { DomainError } from '../domain/errors';
import {
  type DeciderContext,
  type ProviderCommand,
  type ProviderState,
  decide,
  type ArchivedAppointment,
  type IdempotencyEntry,
  archiveKnown,
  archiveLookups,
  archivedTargets,
  evolve,
  initialState,
  withArchived,
  withKnownFingerprints,
  withoutArchived,
} from '../domain/provider';
import {
  type AppendResult,
  type EventData,
  type EventStore,
  type JsonObject,
  type JsonValue,
  type Position,
  type RecordedEvent,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '../events/event-store';
import { canonicalJson, eventHash } from '../events/integrity';
import { PROVIDER_EVENT_SCHEMA_VERSIONS, providerStreamName, upcastProviderEvent } from '../events/provider-events';
import type { ActorRole, ProviderEvent } from '../domain/provider/events';
import type { Logger } from '../logger';
import { bookingIds } from './ids';
import { KeyedMutex } from './keyed-mutex';
import { SNAPSHOT_SCHEMA_VERSION, decodeArchivedAppointment, decodeArchivedIdempotency, decodeFingerprints, decodeState, encodeSnapshot } from './snapshot-codec';
import type { SnapshotStore } from './snapshot-store';
import type { StreamTurns } from './stream-turns';

export interface CommandContext {
  readonly actor: { readonly id: string; readonly role: ActorRole };
  /** Ties together everything one user action caused (a request id, usually). */
  readonly correlationId: string;
  /** Id of the message (event or request) that caused this command, if any. */
  readonly causationId?: string | null;
  /** The command's time; the handler never reads the clock on its own. */
  readonly now: number;
}

export interface CommandResult {
  /** State after the command (unchanged for an idempotent no-op). */
  readonly state: ProviderState;
  /** Events this command appended; empty when it was an idempotent repeat. */
  readonly events: readonly RecordedEvent[];
  readonly revision: number;
  /**
   * For read-your-writes: the position of the last event of the append this command's events went in
   * (one transaction: they all become visible with it); when nothing was appended (an idempotent
   * repeat), of the last event the returned state includes (null when not known).
   */
  readonly position: Position | null;
}

export interface ProviderCommandHandlerOptions {
  readonly maxAttempts?: number;
  /**
   * Fair turns on streams other processes write too (stream-turns.ts): after a conflict on a stream,
   * its turns run inside `streamTurns.hold` for `contendedMs` (default 5000). None: optimistic only.
   */
  readonly streamTurns?: StreamTurns;
  readonly contendedMs?: number;
  readonly snapshotEvery?: number;
  /** How many provider states to keep in memory. */
  readonly cacheSize?: number;
  readonly onRetry?: () => void;
  /**
   * Most commands of one stream decided and appended together (default 64). Commands for a stream
   * run one at a time per process; those that arrive while one is in flight wait, then go as one
   * batch: decided one after another against the evolving state, appended in one append (one round
   * trip, one transaction), each caller answered with its own events or its own refusal.
   */
  readonly maxBatchSize?: number;
}

/** A command waiting for its stream's turn. */
interface Queued {
  readonly command: ProviderCommand;
  readonly context: CommandContext;
  readonly resolve: (result: CommandResult) => void;
  readonly reject: (err: unknown) => void;
}

/** One command of a batch, as decided in the current pass. */
interface Decision {
  readonly queued: Queued;
  /** Set when the decider refused (or failed on) this command: its answer. */
  readonly refusal: { readonly error: unknown } | null;
  /** Events this command adds (none for a refusal or a no-op). */
  readonly events: readonly EventData[];
  /** How many of the batch's events come before this command's. */
  readonly offset: number;
  /** State after this command (and everything before it in the batch). */
  readonly stateAfter: ProviderState;
}

interface Loaded {
  readonly state: ProviderState;
  /** Revision of the last event folded in; -1 for a stream with no events. */
  readonly revision: number;
  readonly lastHash: string | null;
  readonly snapshotRevision: number;
  /** Position of the last event folded in, when known (not after a snapshot alone). */
  readonly position: Position | null;
}

/** What was read from a snapshot's archive for a command. */
interface Archived {
  readonly records: ArchivedAppointment[];
  readonly entries: Array<{ key: string; entry: IdempotencyEntry }>;
}

const EMPTY: Loaded = { state: initialState, revision: -1, lastHash: null, snapshotRevision: -1, position: null };
const TAIL_PAGE = 1000;
/** Longest stretch of deciding a batch without giving the event loop back, ms. */
const DECIDE_SLICE_MS = 0.5;

export class ProviderCommandHandler {
  private readonly cache = new Map<string, Loaded>();
  /** Per cached stream: ended appointments a stored snapshot archived, to drop from memory at its next turn. */
  private readonly archivedSince = new Map<string, ArchivedAppointment[]>();
  /** Per cached stream: archive fingerprints read since its snapshot was loaded, for its next turn. */
  private readonly fingerprintsRead = new Map<string, Uint32Array>();
  private readonly fingerprintsReading = new Set<string>();
  private readonly mutex = new KeyedMutex();
  private readonly maxAttempts: number;
  private readonly snapshotEvery: number;
  private readonly cacheSize: number;
  private readonly maxBatchSize: number;
  /** Commands per stream waiting for the stream's next turn (a turn is already scheduled for them). */
  private readonly queued = new Map<string, Queued[]>();
  /** Streams another process wrote under our feet lately: until when their turns are held. */
  private readonly contended = new Map<string, number>();

  constructor(
    private readonly eventStore: EventStore,
    private readonly snapshots: SnapshotStore,
    private readonly logger: Logger,
    private readonly options: ProviderCommandHandlerOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 12;
    this.snapshotEvery = options.snapshotEvery ?? 500;
    this.cacheSize = options.cacheSize ?? 10_000;
    this.maxBatchSize = Math.max(1, options.maxBatchSize ?? 64);
    // Not awaited (a constructor cannot): until it listens, this process holds a stream's turns
    // only after a conflict of its own.
    options.streamTurns?.listen((stream) => this.markContended(stream)).catch((err: unknown) => {
      logger.warn({ err }, 'listening for contended streams failed; turns are held only after a conflict of this process');
    });
  }

  handle(providerId: string, command: ProviderCommand, context: CommandContext): Promise<CommandResult> {
    const stream = providerStreamName(providerId);
    return new Promise<CommandResult>((resolve, reject) => {
      const entry: Queued = { command, context, resolve, reject };
      const waiting = this.queued.get(stream);
      if (waiting) {
        waiting.push(entry);
        return;
      }
      this.queued.set(stream, [entry]);
      void this.mutex.run(stream, () => this.runTurn(stream));
    });
  }

  /** The stream's turn: everything queued for it so far (up to maxBatchSize) goes now. Never rejects. */
  private async runTurn(stream: string): Promise<void> {
    const waiting = this.queued.get(stream) ?? [];
    this.queued.delete(stream);
    const batch = waiting.slice(0, this.maxBatchSize);
    if (waiting.length > batch.length) {
      this.queued.set(stream, waiting.slice(batch.length));
      void this.mutex.run(stream, () => this.runTurn(stream));
    }
    const turn = async (held: boolean): Promise<void> => {
      if (batch.length === 1) {
        const only = batch[0] as Queued;
        only.resolve(await this.handleExclusively(stream, only.command, only.context, held));
      } else {
        await this.handleBatch(stream, batch, held);
      }
    };
    try {
      if (this.isContended(stream)) {
        await this.hold(stream, () => turn(true));
      } else await turn(false);
    } catch (err) {
      // Settles whoever is still waiting (a settled promise ignores it): an infrastructure failure
      // of the batch's append is every member's answer.
      for (const q of batch) q.reject(err);
    }
  }

  /** Current state of a provider stream as the write side sees it (fresh from the store). */
  async currentState(providerId: string): Promise<{ state: ProviderState; revision: number }> {
    const stream = providerStreamName(providerId);
    return this.mutex.run(stream, async () => {
      const loaded = await this.catchUp(stream, await this.load(stream));
      return { state: loaded.state, revision: loaded.revision };
    });
  }

  private isContended(stream: string): boolean {
    const until = this.contended.get(stream);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.contended.delete(stream);
    return false;
  }

  /**
   * Another process appended to `stream` first: every process holds its turns from now on (see
   * StreamTurns), this one at once, the others when the announcement reaches them.
   */
  private contend(stream: string): void {
    const turns = this.options.streamTurns;
    if (!turns) return;
    const fresh = !this.isContended(stream);
    this.markContended(stream);
    if (fresh) {
      turns.announce(stream).catch((err: unknown) => this.logger.warn({ err, stream }, 'announcing a contended stream failed; the other processes hold its turns after their own conflict'));
    }
  }

  /**
   * Hold `stream`'s turns for a while longer. Refreshed by every sign of another writer (a conflict,
   * an announcement, a held turn that found the stream moved on), so only a quiet other side lets the
   * window lapse; were it to lapse while both still write, they would race again.
   */
  private markContended(stream: string): void {
    const now = Date.now();
    if (this.contended.size >= 10_000) for (const [s, until] of this.contended) if (until <= now) this.contended.delete(s);
    this.contended.set(stream, now + (this.options.contendedMs ?? 5000));
  }

  /**
   * Run `turn` inside the stream's hold (StreamTurns), from the stream's tail: the other process likely
   * wrote since this one last looked.
   */
  private hold<T>(stream: string, turn: () => Promise<T>): Promise<T> {
    const turns = this.options.streamTurns;
    if (!turns) return turn();
    return turns.hold(stream, async () => {
      const cached = this.cache.get(stream);
      if (cached) {
        const latest = await this.catchUp(stream, cached);
        if (latest.revision !== cached.revision) this.markContended(stream);
        this.remember(stream, latest);
      }
      return turn();
    });
  }

  /** `held`: this runs inside the stream's turn (StreamTurns); after a conflict outside one, the retries go inside one. */
  private async handleExclusively(stream: string, command: ProviderCommand, context: CommandContext, held: boolean): Promise<CommandResult> {
    const deciderContext: DeciderContext = { now: context.now, actor: context.actor };
    // A cached state may be behind the store (another process appended since). An append detects
    // that by its expected revision; a refusal or a no-op appends nothing, so before answering one
    // from the cache, read the tail once and decide again if the stream moved on.
    let verified = !this.cache.has(stream);
    let loaded = await this.load(stream, [{ command, actorId: context.actor.id }]);
    for (let attempt = 1; ; attempt++) {
      let decided: ProviderEvent[] = [];
      let refusal: DomainError | null = null;
      try {
        decided = decide(command, loaded.state, deciderContext);
      } catch (err) {
        // A DomainError on verified state is the answer, never retried.
        if (verified || !(err instanceof DomainError)) throw err;
        refusal = err;
      }
      if (decided.length === 0 && !verified) {
        verified = true;
        const latest = await this.catchUp(stream, loaded);
        if (latest.revision !== loaded.revision) {
          this.remember(stream, latest);
          loaded = latest;
          continue;
        }
        if (refusal) throw refusal;
      }
      if (decided.length === 0) return { state: loaded.state, events: [], revision: loaded.revision, position: loaded.position };
      const batch = this.toEventData(decided, command, context, loaded.lastHash);
      try {
        const result = await this.eventStore.appendToStream(stream, batch, {
          expectedRevision: loaded.revision < 0 ? 'no_stream' : loaded.revision,
        });
        const appended = await this.confirmAppended(stream, loaded, batch, decided, result);
        this.remember(stream, appended.loaded);
        return { state: appended.loaded.state, events: appended.events, revision: result.nextExpectedRevision, position: result.position };
      } catch (err) {
        if (!(err instanceof WrongExpectedVersionError)) throw err;
        this.contend(stream);
        if (!held && this.options.streamTurns) {
          this.options.onRetry?.();
          return this.hold(stream, () => this.handleExclusively(stream, command, context, true));
        }
        if (attempt >= this.maxAttempts) {
          throw new DomainError('CONCURRENCY_CONFLICT', `The schedule changed ${attempt} times while this command was decided; try again`, {
            attempts: attempt,
          });
        }
        this.options.onRetry?.();
        await jitter(attempt);
        loaded = await this.catchUp(stream, loaded);
        verified = true;
      }
    }
  }

  /**
   * Several commands of one stream in one turn (group commit). Decided one after another, each on the
   * state its predecessors leave, and appended together with the revision the batch started from.
   * A successful append proves that state current, so every refusal and no-op of the batch is then a
   * final answer too. Unless the store says it wrote exactly these events, the appended range is
   * read back once: that catches an idempotent success with another process's events (then nothing
   * of ours was written: fold what is stored and decide again). Each command is answered with its own
   * events. Wrong expected revision: another process got in first; see below.
   */
  private async handleBatch(stream: string, batch: readonly Queued[], held: boolean): Promise<void> {
    let verified = !this.cache.has(stream);
    let loaded = await this.load(stream, batch.map((q) => ({ command: q.command, actorId: q.context.actor.id })));
    for (let pass = 1; ; pass++) {
      if (pass > this.maxAttempts) {
        const conflict = new DomainError('CONCURRENCY_CONFLICT', `The schedule changed ${pass - 1} times while this command was decided; try again`, {
          attempts: pass - 1,
        });
        for (const q of batch) q.reject(conflict);
        return;
      }
      const decisions: Decision[] = [];
      const events: EventData[] = [];
      let state = loaded.state;
      let lastHash = loaded.lastHash;
      let slice = performance.now();
      for (const queued of batch) {
        // Deciding is CPU work: give the event loop back every half millisecond or so rather than hold
        // it for the whole batch, so other streams' requests and pending I/O do not wait behind it.
        if (performance.now() - slice > DECIDE_SLICE_MS) {
          await new Promise((resolve) => setImmediate(resolve));
          slice = performance.now();
        }
        let decided: ProviderEvent[];
        try {
          decided = decide(queued.command, state, { now: queued.context.now, actor: queued.context.actor });
        } catch (error) {
          decisions.push({ queued, refusal: { error }, events: [], offset: events.length, stateAfter: state });
          continue;
        }
        const data = decided.length === 0 ? [] : this.toEventData(decided, queued.command, queued.context, lastHash);
        for (const d of decided) state = evolve(state, d);
        lastHash = (data[data.length - 1]?.metadata?.hash as string | undefined) ?? lastHash;
        decisions.push({ queued, refusal: null, events: data, offset: events.length, stateAfter: state });
        events.push(...data);
      }

      if (events.length === 0) {
        // Only refusals and no-ops, decided on a cached state: make sure the stream has not moved on.
        if (!verified) {
          verified = true;
          const latest = await this.catchUp(stream, loaded);
          if (latest.revision !== loaded.revision) {
            this.remember(stream, latest);
            loaded = latest;
            continue;
          }
        }
        for (const d of decisions) {
          if (d.refusal) d.queued.reject(d.refusal.error);
          else d.queued.resolve({ state: d.stateAfter, events: [], revision: loaded.revision, position: loaded.position });
        }
        return;
      }

      let stored: RecordedEvent[];
      try {
        const result = await this.eventStore.appendToStream(stream, events, { expectedRevision: loaded.revision < 0 ? 'no_stream' : loaded.revision });
        stored =
          result.idempotent === false
            ? recordedAs(stream, loaded.revision + 1, events, result.position)
            : await this.eventStore.readStream(stream, { fromRevision: loaded.revision + 1, maxCount: events.length });
      } catch (err) {
        if (!(err instanceof WrongExpectedVersionError)) throw err;
        this.contend(stream);
        // Another process wrote to the stream. Deciding the whole batch again would leave the door
        // open for as long as the batch takes to decide, and a process that keeps writing would keep
        // getting in first. So the oldest command goes on alone, on the caught-up state (one decision:
        // the shortest window), and the others wait for the stream's next turn, ahead of later arrivals.
        this.options.onRetry?.();
        this.remember(stream, await this.catchUp(stream, loaded));
        const [head, ...rest] = batch as [Queued, ...Queued[]];
        this.requeueFirst(stream, rest);
        try {
          head.resolve(await this.handleExclusively(stream, head.command, head.context, held));
        } catch (headErr) {
          head.reject(headErr);
        }
        return;
      }

      const ours =
        stored.length === events.length &&
        stored.every((e, i) => e.id === events[i]?.id && canonicalJson(e.data) === canonicalJson(events[i]?.data as JsonValue));
      if (!ours) {
        loaded = this.fold(loaded, stored);
        this.remember(stream, loaded);
        verified = true;
        continue;
      }

      const last = stored[stored.length - 1] as RecordedEvent;
      this.remember(stream, { state, revision: last.revision, lastHash, snapshotRevision: loaded.snapshotRevision, position: last.position });
      for (const d of decisions) {
        if (d.refusal) {
          d.queued.reject(d.refusal.error);
          continue;
        }
        const own = stored.slice(d.offset, d.offset + d.events.length);
        const before = d.offset > 0 ? (stored[d.offset - 1] as RecordedEvent) : null;
        const mine = own[own.length - 1];
        d.queued.resolve({
          state: d.stateAfter,
          events: own,
          revision: mine ? mine.revision : (before?.revision ?? loaded.revision),
          position: mine ? mine.position : (before?.position ?? loaded.position),
        });
      }
      return;
    }
  }

  /** Put commands back at the head of their stream's queue, so they go in its next turn. */
  private requeueFirst(stream: string, commands: readonly Queued[]): void {
    if (commands.length === 0) return;
    const waiting = this.queued.get(stream);
    if (waiting) {
      waiting.unshift(...commands);
      return;
    }
    this.queued.set(stream, [...commands]);
    void this.mutex.run(stream, () => this.runTurn(stream));
  }

  /**
   * Event ids are random, except a booking's, which derives from its idempotency key. Only then can
   * an append succeed idempotently with someone else's events (two retries of one key racing across
   * processes), so only then — unless the store says it wrote ours — are the stored events read back
   * to make sure state follows what is stored.
   */
  private async confirmAppended(
    stream: string,
    before: Loaded,
    batch: readonly EventData[],
    decided: readonly ProviderEvent[],
    { nextExpectedRevision: revision, position, idempotent }: AppendResult,
  ): Promise<{ loaded: Loaded; events: RecordedEvent[] }> {
    const first = before.revision + 1;
    if (batch[0] && decided[0]?.type === 'AppointmentBooked' && idempotent !== false) {
      const stored = await this.eventStore.readStream(stream, { fromRevision: first, maxCount: batch.length });
      const ours = stored.every((e, i) => e.id === batch[i]?.id && canonicalJson(e.data) === canonicalJson(batch[i]?.data));
      if (!ours) {
        const loaded = this.fold(before, stored);
        const theirs = decided[0].data;
        const booked = stored[0]?.data as { start?: string; serviceId?: string } | undefined;
        if (booked?.start !== theirs.start || booked?.serviceId !== theirs.serviceId) {
          this.remember(stream, loaded);
          throw new DomainError('VALIDATION_FAILED', 'This idempotency key was already used for a different booking', { field: 'idempotencyKey' });
        }
        return { loaded, events: [] };
      }
      return { loaded: this.fold(before, stored), events: stored };
    }
    const events = recordedAs(stream, first, batch, position);
    let state = before.state;
    for (const d of decided) state = evolve(state, d);
    const lastHash = (batch[batch.length - 1]?.metadata?.hash as string | undefined) ?? before.lastHash;
    return { loaded: { state, revision, lastHash, snapshotRevision: before.snapshotRevision, position }, events };
  }

  private toEventData(decided: readonly ProviderEvent[], command: ProviderCommand, context: CommandContext, lastHash: string | null): EventData[] {
    let prevHash = lastHash;
    return decided.map((event, i) => {
      const metadata: JsonObject = {
        actorId: context.actor.id,
        actorRole: context.actor.role,
        correlationId: context.correlationId,
        causationId: context.causationId ?? null,
        requestedAt: new Date(context.now).toISOString(),
        schemaVersion: PROVIDER_EVENT_SCHEMA_VERSIONS[event.type],
        prevHash,
      };
      const data = event.data as unknown as JsonValue;
      const hash = eventHash(prevHash, event.type, data, metadata);
      prevHash = hash;
      const id =
        i === 0 && command.type === 'BookAppointment' && event.type === 'AppointmentBooked'
          ? bookingIds(event.data.providerId, event.data.customerId, event.data.idempotencyKey).eventId
          : randomUUID();
      return { id, type: event.type, data, metadata: { ...metadata, hash } };
    });
  }

  /**
   * Cached state, else the latest snapshot plus the tail, else an empty stream; with whatever
   * `commands` may look up among archived (ended) appointments put back in memory first.
   */
  private async load(stream: string, commands: ReadonlyArray<{ command: ProviderCommand; actorId: string }> = []): Promise<Loaded> {
    const lookupsOf = (state: ProviderState) => {
      const ids = new Set<string>();
      const keys = new Set<string>();
      for (const { command, actorId } of commands) {
        const lookups = archiveLookups(state, command, actorId);
        for (const id of lookups?.appointmentIds ?? []) ids.add(id);
        for (const key of lookups?.idempotencyKeys ?? []) keys.add(key);
      }
      return ids.size === 0 && keys.size === 0 ? null : { ids: [...ids], keys: [...keys] };
    };
    let loaded = this.cache.get(stream);
    let archived: Promise<Archived> | null = null;
    if (loaded) {
      let { state } = loaded;
      const released = this.archivedSince.get(stream);
      if (released) {
        // A snapshot stored since: what it archived can leave memory.
        this.archivedSince.delete(stream);
        state = withoutArchived(state, released);
      }
      const fingerprints = this.fingerprintsRead.get(stream);
      if (fingerprints) {
        this.fingerprintsRead.delete(stream);
        state = withKnownFingerprints(state, fingerprints);
      }
      if (!archiveKnown(state)) this.readFingerprints(stream);
      loaded = state === loaded.state ? loaded : { ...loaded, state };
      // Refresh its place in the LRU order.
      this.cache.delete(stream);
      this.cache.set(stream, loaded);
      const lookups = lookupsOf(loaded.state);
      if (lookups === null) return loaded;
      archived = this.readArchived(stream, loaded.state, lookups.ids, lookups.keys);
    } else {
      this.archivedSince.delete(stream);
      this.fingerprintsRead.delete(stream);
      let base = EMPTY;
      const snapshot = await this.snapshots.load(stream, SNAPSHOT_SCHEMA_VERSION);
      if (snapshot) {
        // Its archive fingerprints are read at the stream's next turn, off this command's path (and
        // its connection); until they are in, a lookup asks the archive for the command's keys.
        base = { state: decodeState(snapshot.state), revision: snapshot.revision, lastHash: snapshot.lastHash, snapshotRevision: snapshot.revision, position: null };
      }
      loaded = await this.catchUp(stream, base);
      const lookups = lookupsOf(loaded.state);
      if (lookups !== null) archived = this.readArchived(stream, loaded.state, lookups.ids, lookups.keys);
    }
    if (archived !== null) {
      const found = await archived;
      if (loaded.state.status === 'Registered') loaded = { ...loaded, state: withArchived(loaded.state, found.records, found.entries) };
    }
    this.remember(stream, loaded);
    return loaded;
  }

  /** Archived appointments (by id) and idempotency entries (by key, with their appointments). */
  private async readArchived(stream: string, state: ProviderState, appointmentIds: readonly string[], idempotencyKeys: readonly string[]): Promise<Archived> {
    const rows = await this.snapshots.loadArchived(stream, SNAPSHOT_SCHEMA_VERSION, [
      ...appointmentIds.map((key) => ({ kind: 'appointment' as const, key })),
      ...idempotencyKeys.map((key) => ({ kind: 'idempotency' as const, key })),
    ]);
    const records = rows.filter((r) => r.kind === 'appointment').map((r) => decodeArchivedAppointment(r.body));
    const entries = rows.filter((r) => r.kind === 'idempotency').map((r) => decodeArchivedIdempotency(r.body));
    // An archived idempotency entry comes with its appointment (a second read, unless it was asked for too).
    const held = (id: string) => state.status === 'Registered' && state.appointments.has(id);
    const missing = [...new Set(entries.map((e) => e.entry.appointmentId))].filter((id) => !held(id) && !records.some((r) => r.appointment.id === id));
    if (missing.length > 0) {
      const more = await this.snapshots.loadArchived(stream, SNAPSHOT_SCHEMA_VERSION, missing.map((key) => ({ kind: 'appointment' as const, key })));
      for (const row of more) records.push(decodeArchivedAppointment(row.body));
    }
    return { records, entries };
  }

  /** The archive fingerprints of a stream's snapshot, read in the background for its next turn. */
  private readFingerprints(stream: string): void {
    if (this.fingerprintsReading.has(stream)) return;
    this.fingerprintsReading.add(stream);
    this.snapshots
      .loadFilter(stream, SNAPSHOT_SCHEMA_VERSION)
      .then(
        (text) => {
          if (text === null) this.logger.warn({ stream }, 'the snapshot archive has no fingerprints; archived keys are looked up one by one');
          else this.fingerprintsRead.set(stream, decodeFingerprints(text));
        },
        (err: unknown) => this.logger.warn({ err, stream }, 'reading snapshot archive fingerprints failed'),
      )
      .finally(() => this.fingerprintsReading.delete(stream));
  }

  /** Fold every event after `from.revision` into it. */
  private async catchUp(stream: string, from: Loaded): Promise<Loaded> {
    let loaded = from;
    for (;;) {
      let page: RecordedEvent[];
      try {
        page = await this.eventStore.readStream(stream, { fromRevision: loaded.revision + 1, maxCount: TAIL_PAGE });
      } catch (err) {
        if (err instanceof StreamNotFoundError) return loaded;
        throw err;
      }
      // Events addressing an archived appointment (the decider writes none) find it in memory.
      const targets = archivedTargets(loaded.state, page);
      if (targets.length > 0 && loaded.state.status === 'Registered') {
        const found = await this.readArchived(stream, loaded.state, targets, []);
        loaded = { ...loaded, state: withArchived(loaded.state, found.records, found.entries) };
      }
      loaded = this.fold(loaded, page);
      if (page.length < TAIL_PAGE) return loaded;
    }
  }

  private fold(from: Loaded, events: readonly RecordedEvent[]): Loaded {
    let { state, revision, lastHash, position } = from;
    for (const e of events) {
      const schemaVersion = typeof e.metadata.schemaVersion === 'number' ? e.metadata.schemaVersion : 1;
      const event = upcastProviderEvent(e.type, e.data, schemaVersion);
      if (event) state = evolve(state, event);
      else this.logger.warn({ stream: e.streamName, revision: e.revision, type: e.type }, 'unknown event type in a provider stream; skipped');
      revision = e.revision;
      lastHash = typeof e.metadata.hash === 'string' ? e.metadata.hash : lastHash;
      position = e.position;
    }
    return { state, revision, lastHash, snapshotRevision: from.snapshotRevision, position };
  }

  private remember(stream: string, loaded: Loaded): void {
    let entry = loaded;
    // A state whose archive fingerprints are still being read waits for them (a turn or two).
    if (loaded.revision - loaded.snapshotRevision >= this.snapshotEvery && archiveKnown(loaded.state)) {
      entry = { ...loaded, snapshotRevision: loaded.revision };
      const encoded = encodeSnapshot(loaded.state);
      const snapshot = { revision: loaded.revision, lastHash: loaded.lastHash, state: encoded.state };
      // Off the command's path: a lost snapshot only costs a longer replay later. Once it is stored,
      // the ended appointments it archived leave memory (at the stream's next turn, see `load`).
      this.snapshots.save(stream, SNAPSHOT_SCHEMA_VERSION, snapshot, encoded.archive, encoded.filter).then(
        () => {
          if (encoded.archived.length > 0 && this.cache.has(stream)) this.archivedSince.set(stream, [...(this.archivedSince.get(stream) ?? []), ...encoded.archived]);
        },
        (err: unknown) => {
          this.logger.warn({ err, stream }, 'saving a snapshot failed');
        },
      );
    }
    this.cache.delete(stream);
    this.cache.set(stream, entry);
    if (this.cache.size > this.cacheSize) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) {
        this.cache.delete(oldest);
        this.archivedSince.delete(oldest);
        this.fingerprintsRead.delete(oldest);
      }
    }
  }
}

/**
 * Before retrying after a wrong expected revision. The first retry goes at once: the failed append
 * answered just after another process's commit (it waited for that commit's row lock, or came right
 * after it), which is the best moment to get in, before that process appends again; sleeping would
 * hand it the stream. Later retries back off with full jitter, growing with the attempt, to spread
 * out processes that keep colliding with each other.
 */
function jitter(attempt: number): Promise<void> {
  if (attempt <= 1) return Promise.resolve();
  const cap = Math.min(100, 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * cap));
}

/**
 * Events the store reports written as given, as it recorded them. Only the last event's exact position
 * is known; the earlier ones of one append share its transaction, so for read-your-writes it stands
 * for them all. (The store's own timestamps differ by the append's round trip.)
 */
function recordedAs(stream: string, first: number, events: readonly EventData[], position: Position): RecordedEvent[] {
  const created = new Date();
  return events.map((e, i) => ({ streamName: stream, revision: first + i, id: e.id, type: e.type, data: e.data, metadata: e.metadata ?? {}, position, created }));
}
