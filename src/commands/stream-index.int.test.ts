import { randomUUID } from 'node:crypto';
import type { ProviderEvent } from '../domain/provider/events';
import { NOW, booked, open } from '../domain/provider/provider-fixtures';
import { WrongExpectedVersionError } from '../events/event-store';
import { PostgresEventStore } from '../events/postgres/postgres-event-store';
import type { OpenedDatabase } from '../db/database';
import { openTestDatabase } from '../../test/support/test-database';
import { envelope } from './event-envelope';
import { PostgresStreamIndex } from './stream-index';

const context = { actor: { id: 'owner-1', role: 'PROVIDER' as const }, correlationId: 'test', now: NOW };

describe('the stream index', () => {
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

  const stream = () => `provider-${randomUUID()}`;
  const appendTo = (s: string, events: readonly ProviderEvent[], expectedRevision: number | 'no_stream') =>
    store.appendToStream(s, envelope(events, context, null), { expectedRevision });

  it('on PostgreSQL the append itself indexes what its events create, in its own transaction', async () => {
    const index = new PostgresStreamIndex(db.db, { indexedByAppend: true });
    const [s, id] = [stream(), randomUUID()];
    await index.beforeAppend(s, [id]); // writes nothing: the append will
    expect(await index.streamOf(id)).toBeNull();
    await appendTo(s, [...open(), booked({ appointmentId: id })], 'no_stream');
    expect(await index.streamOf(id)).toBe(s);
    // An append refused for its expected revision indexes nothing.
    const lost = randomUUID();
    await expect(appendTo(s, [booked({ appointmentId: lost })], 0)).rejects.toBeInstanceOf(WrongExpectedVersionError);
    expect(await index.streamOf(lost)).toBeNull();
  });

  it('with the events elsewhere, beforeAppend writes the entries first; an id already indexed keeps its stream', async () => {
    const index = new PostgresStreamIndex(db.db, { indexedByAppend: false });
    const [s, other, id] = [stream(), stream(), randomUUID()];
    await index.beforeAppend(s, [id]);
    expect(await index.streamOf(id)).toBe(s);
    await index.beforeAppend(other, [id]);
    expect(await index.streamOf(id)).toBe(s);
  });

  it('fills itself once from the history before it: events that carry no `creates` of their own', async () => {
    const [s, id] = [stream(), randomUUID()];
    // As appended before migration 0005: no `creates` in the metadata.
    const events = envelope([...open(), booked({ appointmentId: id })], context, null).map(({ metadata, ...e }) => {
      const { creates: _creates, ...rest } = metadata ?? {};
      return { ...e, metadata: rest };
    });
    await store.appendToStream(s, events, { expectedRevision: 'no_stream' });
    const index = new PostgresStreamIndex(db.db);
    expect(await index.streamOf(id)).toBeNull();
    expect(await index.fillFromHistory(store)).toBeGreaterThanOrEqual(1);
    expect(await index.streamOf(id)).toBe(s);
    // Once per database: the next start reads no history.
    expect(await index.fillFromHistory(store)).toBe(0);
  });
});
