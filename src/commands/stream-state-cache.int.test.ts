/**
 * The stream-state cache against a real event store and snapshot store (PostgreSQL): what a load
 * reads, catching up with another writer, the LRU bound, and the archive mechanics around snapshots.
 */
import { randomUUID } from 'node:crypto';
import type { ProviderCommand, ProviderState, RegisteredProviderState } from '../domain/provider';
import type { ProviderEvent } from '../domain/provider/events';
import { NOW, booked, cancelled, open } from '../domain/provider/provider-fixtures';
import type { EventStore, ReadStreamOptions } from '../events/event-store';
import { PostgresEventStore } from '../events/postgres/postgres-event-store';
import { createLogger } from '../logger';
import type { OpenedDatabase } from '../db/database';
import { openTestDatabase } from '../../test/support/test-database';
import { envelope, hashOf } from './event-envelope';
import { SNAPSHOT_SCHEMA_VERSION } from './snapshot-codec';
import { type ArchiveKey, PostgresSnapshotStore, type SnapshotStore } from './snapshot-store';
import { Snapshotter } from './snapshotter';
import { StreamStateCache } from './stream-state-cache';

const logger = createLogger(process.env.TEST_LOG ?? 'silent');
const context = { actor: { id: 'owner-1', role: 'PROVIDER' as const }, correlationId: 'test', now: NOW };
const registered = (state: ProviderState): RegisteredProviderState => {
  if (state.status !== 'Registered') throw new Error('expected a registered provider');
  return state;
};

async function eventually(condition: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('StreamStateCache', () => {
  let db: OpenedDatabase;
  let store: PostgresEventStore;
  beforeAll(async () => {
    db = await openTestDatabase('postgres');
    store = new PostgresEventStore(db.pool);
  });
  afterAll(async () => {
    await store.close();
    await db.close();
  });

  /** Events read from streams, and archive rows and fingerprints read from snapshots. */
  function counting() {
    const reads = { events: 0, archive: [] as ArchiveKey[][], fingerprints: 0, snapshots: 0 };
    const events: EventStore = Object.create(store, {
      readStream: {
        value: async (stream: string, options?: ReadStreamOptions) => {
          const page = await store.readStream(stream, options);
          reads.events += page.length;
          return page;
        },
      },
    }) as EventStore;
    const inner = new PostgresSnapshotStore(db.db);
    const snapshots: SnapshotStore = {
      load: (s, v) => {
        reads.snapshots++;
        return inner.load(s, v);
      },
      save: (s, v, snap, archive, fingerprints) => inner.save(s, v, snap, archive, fingerprints),
      loadFingerprints: (s, v) => {
        reads.fingerprints++;
        return inner.loadFingerprints(s, v);
      },
      loadArchived: (s, v, keys) => {
        reads.archive.push([...keys]);
        return inner.loadArchived(s, v, keys);
      },
    };
    return { reads, events, snapshots };
  }

  /** Append `events` to `stream` with their envelope, chained to what is there. */
  async function append(stream: string, events: readonly ProviderEvent[]): Promise<void> {
    const tail = await store.readStream(stream, { direction: 'backwards', maxCount: 1 }).catch(() => []);
    const last = tail[0];
    await store.appendToStream(stream, envelope(events, context, hashOf(last?.metadata)), { expectedRevision: last ? last.revision : 'no_stream' });
  }

  const newStream = () => `provider-${randomUUID()}`;

  it('a cold load reads the stream; a warm one reads nothing; catchUp folds what another writer appended since', async () => {
    const stream = newStream();
    await append(stream, [...open(), booked()]);
    const { reads, events, snapshots } = counting();
    const cache = new StreamStateCache(events, snapshots, logger, 10);
    const cold = await cache.load(stream, []);
    expect(cold).toMatchObject({ fresh: true, current: { revision: 3 } });
    expect(reads.events).toBe(4);
    const warm = await cache.load(stream, []);
    expect(warm.fresh).toBe(false);
    expect(warm.current).toBe(cold.current);
    expect(reads.events).toBe(4);
    // Another process appends: memory does not know until it catches up.
    await append(stream, [cancelled()]);
    const latest = await cache.catchUp(stream, warm.current);
    expect(latest.revision).toBe(4);
    expect(reads.events).toBe(5);
    expect(registered(latest.state).appointments.get('appt-1')?.status).toBe('CANCELLED');
    expect(latest.lastHash).not.toBe(warm.current.lastHash);
    // Remembered, it is what the next load starts from; an older state never replaces it.
    cache.remember(stream, latest);
    cache.remember(stream, warm.current);
    expect((await cache.load(stream, [])).current.revision).toBe(4);
  });

  it('holds at most `capacity` streams, letting go of the one used longest ago', async () => {
    const [a, b, c] = [newStream(), newStream(), newStream()];
    for (const s of [a, b, c]) await append(s, open());
    const { reads, events, snapshots } = counting();
    const cache = new StreamStateCache(events, snapshots, logger, 2);
    await cache.load(a, []);
    await cache.load(b, []);
    await cache.load(a, []); // a is now the most recently used
    await cache.load(c, []);
    expect([cache.peek(a) !== undefined, cache.peek(b) !== undefined, cache.peek(c) !== undefined]).toEqual([true, false, true]);
    expect(reads.snapshots).toBe(3);
    expect((await cache.load(b, [])).fresh).toBe(true);
    expect(reads.snapshots).toBe(4);
  });

  it('after a snapshot step, memory lets go of what it archived and fetches only what a command addresses', async () => {
    const stream = newStream();
    await append(stream, [...open(), booked({ appointmentId: 'gone', customerId: 'c1', idempotencyKey: 'k1' }), booked({ appointmentId: 'live', start: NOW + 2 * 86_400_000 }), cancelled('gone')]);
    const writer = counting();
    const warm = new StreamStateCache(writer.events, writer.snapshots, logger, 10);
    await warm.load(stream, []);
    new Snapshotter(writer.snapshots, warm, 5, logger).consider(stream);
    // Stored off the command's path; then the next load lets go of the cancelled appointment.
    await eventually(() => (warm.peek(stream)?.released.length ?? 0) > 0);
    expect(registered((await warm.load(stream, [])).current.state).appointments.has('gone')).toBe(false);
    expect(warm.peek(stream)?.archive).toBeInstanceOf(Uint32Array);

    // A cold process: the snapshot's hot state, fingerprints in the background.
    const { reads, events, snapshots } = counting();
    const cold = new StreamStateCache(events, snapshots, logger, 10);
    const rebook: ProviderCommand = { type: 'BookAppointment', data: { appointmentId: 'gone', serviceId: 'svc-30', start: NOW, idempotencyKey: 'k1' } };
    const first = await cold.load(stream, [{ command: rebook, actorId: 'c1' }]);
    expect(reads.events).toBe(0); // the snapshot is at the head
    // Before the fingerprints are in, the command's keys are asked for: both in one read, and found.
    expect(reads.archive).toHaveLength(1);
    expect(registered(first.current.state).appointments.get('gone')?.status).toBe('CANCELLED');
    // The fingerprints are read at the stream's next load, off the first command's path.
    expect(reads.fingerprints).toBe(0);
    await cold.load(stream, []);
    await eventually(() => cold.peek(stream)?.archive instanceof Uint32Array);
    expect(reads.fingerprints).toBe(1);
    // With them, a command addressing nothing archived reads no archive row.
    await cold.load(stream, [{ command: { type: 'CancelAppointment', data: { appointmentId: 'never-booked' } }, actorId: 'owner-1' }]);
    expect(reads.archive).toHaveLength(1);
    const stored = await new PostgresSnapshotStore(db.db).load(stream, SNAPSHOT_SCHEMA_VERSION);
    expect(stored).toMatchObject({ revision: 5, archived: true });
  });
});
