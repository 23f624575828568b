/**
 * The state of each provider stream this process worked on lately, and the way to one it does not
 * hold: the newest snapshot plus the events after it (the tail), folded with the decider's `evolve`
 * after upcasting. So loading does not grow with the stream's length, and a stream the process keeps
 * working on costs no read at all: memory is trusted, and the append's expected revision tells when
 * another process got there first (then `catchUp` reads the tail).
 *
 * A snapshot leaves ended appointments out of the state (ended-appointments.ts, snapshot-codec.ts).
 * The cache keeps the mechanics of that apart from the state: per stream, which keys the archive may
 * hold (archive-index.ts), fetching what a command or a recorded event addresses among them before it
 * is decided or folded, and letting go of what a stored snapshot archived.
 *
 * At most `capacity` streams are held; the one used longest ago goes first.
 */
import {
  type EndedAppointment,
  type IdempotencyEntry,
  type ProviderCommand,
  type ProviderState,
  type RegisteredProviderState,
  evolve,
  initialState,
  keysNotHeld,
  updatedNotHeld,
  withEndedRestored,
  withoutEnded,
} from '../domain/provider';
import { type EventStore, type Position, type RecordedEvent, StreamNotFoundError } from '../events/event-store';
import { upcastProviderEvent } from '../events/provider-events';
import type { Logger } from '../logger';
import { type ArchiveIndex, mayBeArchived } from './archive-index';
import { SNAPSHOT_SCHEMA_VERSION, decodeArchivedAppointment, decodeArchivedIdempotency, decodeState } from './snapshot-codec';
import type { SnapshotStore } from './snapshot-store';

/** A stream's state as of one of its revisions. */
export interface StreamState {
  readonly state: ProviderState;
  /** Revision of the last event folded in; -1 for a stream with no events. */
  readonly revision: number;
  /** The hash chain's last link (the last event's `hash`). */
  readonly lastHash: string | null;
  /** Position of the last event folded in (null only after a snapshot that did not record it). */
  readonly position: Position | null;
}

/** What the cache holds for a stream. */
export interface CachedStream {
  readonly current: StreamState;
  /** Revision of the newest snapshot this process loaded or took; -1: none. */
  readonly snapshotRevision: number;
  /** Which keys the stream's snapshot archive may hold. */
  readonly archive: ArchiveIndex;
  /** Ended appointments a stored snapshot archived: memory lets go of them at the stream's next load. */
  readonly released: readonly EndedAppointment[];
  /** The cold load this entry descends from: late answers meant for an older one are dropped. */
  readonly generation: number;
}

/** A command to load a state for, with who sends it (an idempotency key is the sender's). */
export interface CommandBy {
  readonly command: ProviderCommand;
  readonly actorId: string;
}

const EMPTY: StreamState = { state: initialState, revision: -1, lastHash: null, position: null };
/** Events read per round trip while catching up. */
const TAIL_PAGE = 1000;

export class StreamStateCache {
  private readonly entries = new Map<string, CachedStream>();
  private readonly readingFingerprints = new Set<string>();
  private generations = 0;

  constructor(
    private readonly eventStore: EventStore,
    private readonly snapshots: SnapshotStore,
    private readonly logger: Logger,
    private readonly capacity: number,
  ) {}

  /**
   * The stream's state to decide `commands` on: memory's, trusted (`fresh` false: another process may
   * have appended since), else the newest snapshot plus the tail (`fresh`); in either case with the
   * archived appointments the commands address put back.
   */
  async load(stream: string, commands: readonly CommandBy[]): Promise<{ current: StreamState; fresh: boolean }> {
    const held = this.entries.get(stream);
    const entry = held === undefined ? await this.coldLoad(stream) : this.letGo(stream, held);
    // A cold load's fingerprints are read at the stream's next load: off this command's path and connection.
    if (held !== undefined && entry.archive === 'unread') this.readFingerprints(stream, entry.generation);
    let { current } = entry;
    const { state } = current;
    if (state.status === 'Registered' && entry.archive !== null) {
      const ids = new Set<string>();
      const keys = new Set<string>();
      for (const { command, actorId } of commands) {
        const wanted = keysNotHeld(state, command, actorId);
        for (const id of wanted.appointmentIds) if (mayBeArchived(entry.archive, 'appointment', id)) ids.add(id);
        for (const key of wanted.idempotencyKeys) if (mayBeArchived(entry.archive, 'idempotency', key)) keys.add(key);
      }
      if (ids.size > 0 || keys.size > 0) {
        current = { ...current, state: await this.restore(stream, state, [...ids], [...keys]) };
        this.remember(stream, current);
      }
    }
    return { current, fresh: held === undefined };
  }

  /** `from` with every event after its revision folded in: the stream as it is now. */
  async catchUp(stream: string, from: StreamState): Promise<StreamState> {
    let current = from;
    for (;;) {
      let page: RecordedEvent[];
      try {
        page = await this.eventStore.readStream(stream, { fromRevision: current.revision + 1, maxCount: TAIL_PAGE });
      } catch (err) {
        if (err instanceof StreamNotFoundError) return current;
        throw err;
      }
      // Recorded events addressing an archived appointment (the decider writes none) find it in memory.
      const { state } = current;
      const archive = this.entries.get(stream)?.archive ?? 'unread';
      if (state.status === 'Registered' && archive !== null) {
        const targets = updatedNotHeld(state, page).filter((id) => mayBeArchived(archive, 'appointment', id));
        if (targets.length > 0) current = { ...current, state: await this.restore(stream, state, targets, []) };
      }
      current = this.fold(current, page);
      if (page.length < TAIL_PAGE) return current;
    }
  }

  /** Keep `current` as the stream's state, unless memory already holds a later one. */
  remember(stream: string, current: StreamState): void {
    const entry = this.entries.get(stream);
    if (entry !== undefined && entry.current.revision > current.revision) return;
    // Evicted while a turn ran: what the archive holds is not known any more, so anything may be archived.
    this.put(stream, entry !== undefined ? { ...entry, current } : { current, snapshotRevision: current.revision, archive: 'unread', released: [], generation: ++this.generations });
  }

  /** What the cache holds for `stream`, if anything (for the snapshot step). */
  peek(stream: string): CachedStream | undefined {
    return this.entries.get(stream);
  }

  /** Change what the cache holds for `stream`, if it still descends from the same cold load. */
  update(stream: string, generation: number, change: (entry: CachedStream) => CachedStream): void {
    const entry = this.entries.get(stream);
    if (entry?.generation === generation) this.entries.set(stream, change(entry));
  }

  private async coldLoad(stream: string): Promise<CachedStream> {
    const snapshot = await this.snapshots.load(stream, SNAPSHOT_SCHEMA_VERSION);
    const base: CachedStream = {
      current: snapshot ? { state: decodeState(snapshot.state), revision: snapshot.revision, lastHash: snapshot.lastHash, position: snapshot.position } : EMPTY,
      snapshotRevision: snapshot?.revision ?? -1,
      // The fingerprints follow (see `load`); until then a command's keys are asked for.
      archive: snapshot?.archived ? 'unread' : null,
      released: [],
      generation: ++this.generations,
    };
    this.put(stream, base);
    const entry = { ...base, current: await this.catchUp(stream, base.current) };
    this.remember(stream, entry.current);
    return this.entries.get(stream) ?? entry;
  }

  /** A snapshot stored since the last load archived `released`: memory lets go of it now. */
  private letGo(stream: string, entry: CachedStream): CachedStream {
    const next = entry.released.length === 0 ? entry : { ...entry, current: { ...entry.current, state: withoutEnded(entry.current.state, entry.released) }, released: [] };
    this.put(stream, next);
    return next;
  }

  private fold(from: StreamState, events: readonly RecordedEvent[]): StreamState {
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
    return { state, revision, lastHash, position };
  }

  /** `state` with the archived appointments among `appointmentIds`, and the idempotency entries among `keys` (with their appointments), back. */
  private async restore(stream: string, state: RegisteredProviderState, appointmentIds: readonly string[], keys: readonly string[]): Promise<RegisteredProviderState> {
    const rows = await this.snapshots.loadArchived(stream, SNAPSHOT_SCHEMA_VERSION, [
      ...appointmentIds.map((key) => ({ kind: 'appointment' as const, key })),
      ...keys.map((key) => ({ kind: 'idempotency' as const, key })),
    ]);
    const records = rows.filter((r) => r.kind === 'appointment').map((r) => decodeArchivedAppointment(r.body));
    const entries: Array<{ key: string; entry: IdempotencyEntry }> = rows.filter((r) => r.kind === 'idempotency').map((r) => decodeArchivedIdempotency(r.body));
    // An archived idempotency entry comes with its appointment (a second read, unless it was asked for too).
    const missing = [...new Set(entries.map((e) => e.entry.appointmentId))].filter((id) => !state.appointments.has(id) && !records.some((r) => r.appointment.id === id));
    if (missing.length > 0) {
      const more = await this.snapshots.loadArchived(stream, SNAPSHOT_SCHEMA_VERSION, missing.map((key) => ({ kind: 'appointment' as const, key })));
      for (const row of more) records.push(decodeArchivedAppointment(row.body));
    }
    return withEndedRestored(state, records, entries);
  }

  /** The archive fingerprints of the stream's snapshot, read in the background for its next load. */
  private readFingerprints(stream: string, generation: number): void {
    if (this.readingFingerprints.has(stream)) return;
    this.readingFingerprints.add(stream);
    this.snapshots
      .loadFingerprints(stream, SNAPSHOT_SCHEMA_VERSION)
      // The newest snapshot's: never fewer than the one this entry was loaded from named (the archive only grows).
      .then(
        (fingerprints) => this.update(stream, generation, (entry) => (entry.archive === 'unread' ? { ...entry, archive: fingerprints } : entry)),
        (err: unknown) => this.logger.warn({ err, stream }, 'reading snapshot archive fingerprints failed; archived keys are asked for one by one'),
      )
      .finally(() => this.readingFingerprints.delete(stream));
  }

  /** Hold `entry` as the stream's most recently used. */
  private put(stream: string, entry: CachedStream): void {
    this.entries.delete(stream);
    this.entries.set(stream, entry);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}
