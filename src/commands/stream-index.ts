/**
 * Which stream holds an entity that commands address by its id alone (an appointment: "cancel
 * appointment X" names no provider). The write side keeps this index itself, so a command finds its
 * stream without asking a read model, which may lag behind or be rebuilding.
 *
 * An entry is in place by the time the append that creates its entity commits: with the events in
 * the same PostgreSQL database, the append writes it in its own transaction (migration 0005's trigger
 * indexes what an event's metadata says it `creates`, see event-envelope.ts): no extra round trip.
 * With the events elsewhere (EventStoreDB) `beforeAppend` writes it first; an append that then fails
 * leaves a dangling entry, which only ever leads to the decider's NOT_FOUND (the stream does not hold
 * the entity). An entity without an entry cannot happen, except for entities created before the index
 * existed: `fillFromHistory` indexes those once (the first start after migration 0005).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { entitiesCreatedBy } from '../domain/provider';
import type { EventStore } from '../events/event-store';
import { PROVIDER_STREAM_PREFIX, upcastProviderEvent } from '../events/provider-events';

export interface StreamIndex {
  /** `entityIds` are about to be appended to `stream`: make sure they will be found there once they are. */
  beforeAppend(stream: string, entityIds: readonly string[]): Promise<void>;
  /** The stream holding `entityId`, or null when no stream does. */
  streamOf(entityId: string): Promise<string | null>;
}

/** The app setting that says the history before the index has been indexed. */
const FILLED = 'stream_index_filled';
const PAGE = 5000;

export interface PostgresStreamIndexOptions {
  /** The events are appended to this same database, whose append indexes what they create itself. */
  readonly indexedByAppend: boolean;
}

export class PostgresStreamIndex implements StreamIndex {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: PostgresStreamIndexOptions = { indexedByAppend: false },
  ) {}

  async beforeAppend(stream: string, entityIds: readonly string[]): Promise<void> {
    if (this.options.indexedByAppend || entityIds.length === 0) return;
    await this.record(stream, entityIds);
  }

  async streamOf(entityId: string): Promise<string | null> {
    const row = await this.db.selectFrom('stream_index').select('stream_name').where('entity_id', '=', entityId).executeTakeFirst();
    return row?.stream_name ?? null;
  }

  /**
   * Index the entities every provider stream created so far, unless that was done before: once per
   * database, at start-up, whichever engine holds the events. Safe to run in several processes at once
   * (entries are only ever added); commands that run meanwhile index their own entities.
   */
  async fillFromHistory(eventStore: EventStore): Promise<number> {
    const done = await this.db.selectFrom('app_settings').select('value').where('key', '=', FILLED).executeTakeFirst();
    if (done) return 0;
    let indexed = 0;
    let pending = new Map<string, string[]>();
    let pendingIds = 0;
    const flush = async (): Promise<void> => {
      for (const [stream, ids] of pending) await this.record(stream, ids);
      [pending, pendingIds] = [new Map(), 0];
    };
    // A subscription rather than pages of `readAll`: it reports caught up only once no committed event
    // is still held back behind a running transaction, so none is missed.
    for await (const message of eventStore.subscribeToAll({ fromPosition: 'start', filter: { streamNamePrefixes: [PROVIDER_STREAM_PREFIX] }, batchSize: PAGE })) {
      if (message.kind === 'caughtUp') break;
      const e = message.event;
      const event = upcastProviderEvent(e.type, e.data, typeof e.metadata.schemaVersion === 'number' ? e.metadata.schemaVersion : 1);
      const ids = event === null ? [] : entitiesCreatedBy(event).filter((id) => typeof id === 'string');
      if (ids.length === 0) continue;
      const held = pending.get(e.streamName);
      if (held) held.push(...ids);
      else pending.set(e.streamName, ids);
      indexed += ids.length;
      pendingIds += ids.length;
      if (pendingIds >= PAGE) await flush();
    }
    await flush();
    await this.db.insertInto('app_settings').values({ key: FILLED, value: 'true' }).onConflict((oc) => oc.column('key').doNothing()).execute();
    return indexed;
  }

  private async record(stream: string, entityIds: readonly string[]): Promise<void> {
    await this.db
      .insertInto('stream_index')
      .values(entityIds.map((entity_id) => ({ entity_id, stream_name: stream })))
      .onConflict((oc) => oc.column('entity_id').doNothing())
      .execute();
  }
}
