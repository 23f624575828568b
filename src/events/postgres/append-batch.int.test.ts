import { randomUUID } from 'node:crypto';
import { type EventData, WrongExpectedVersionError } from '../event-store';
import { type Backend, openTestDatabase, testBackends } from '../../../test/support/test-database';
import type { OpenedDatabase } from '../../db/database';
import { PostgresEventStore } from './postgres-event-store';

const ev = (type: string): EventData => ({ id: randomUUID(), type, data: { type }, metadata: { m: 1 } });

/**
 * Appends that wait for a free slot go together as one `es_append_batch` call. Each must get exactly
 * the answer it would have had alone, in the order the appends were made.
 */
describe.each(testBackends())('PostgresEventStore group commit on %s', (backend: Backend) => {
  let db: OpenedDatabase;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await openTestDatabase(backend, { poolSize: 4 });
    // One append at a time: everything made while it is in flight goes as one batch.
    store = new PostgresEventStore(db.pool, { maxConcurrentAppends: 1 });
  });
  afterAll(async () => {
    await store.close();
    await db.close();
  });

  it('answers every append of a batch as if it had run alone, in order, in one transaction', async () => {
    const p = randomUUID();
    const blocker = store.appendToStream(`${p}-blocker`, [ev('X')], { expectedRevision: 'no_stream' });
    const a1 = ev('A1');
    const results = await Promise.allSettled([
      store.appendToStream(`${p}-s1`, [a1], { expectedRevision: 'no_stream' }),
      store.appendToStream(`${p}-s1`, [ev('B')], { expectedRevision: 'no_stream' }),
      store.appendToStream(`${p}-s1`, [ev('A2'), ev('A3')], { expectedRevision: 0 }),
      store.appendToStream(`${p}-s1`, [a1], { expectedRevision: 'no_stream' }),
      store.appendToStream(`${p}-s0`, [ev('C')], { expectedRevision: 5 }),
      store.appendToStream(`${p}-s2`, [ev('D')], { expectedRevision: 'any' }),
      store.appendToStream(`${p}-s3`, [ev('E')], { expectedRevision: 'stream_exists' }),
    ]);
    await blocker;
    const value = (i: number) => {
      const r = results[i];
      if (r?.status !== 'fulfilled') throw new Error(`append ${i} failed: ${String(r?.status === 'rejected' ? r.reason : r)}`);
      return r.value;
    };
    const actual = (i: number) => {
      const r = results[i];
      if (r?.status !== 'rejected' || !(r.reason instanceof WrongExpectedVersionError)) throw new Error(`append ${i} should be a wrong expected version`);
      return r.reason.actual;
    };
    expect(value(0).nextExpectedRevision).toBe(0);
    expect(actual(1)).toBe(0);
    expect(value(2).nextExpectedRevision).toBe(2);
    expect(value(3)).toEqual({ ...value(0), idempotent: true }); // idempotent re-append
    expect(actual(4)).toBe('no_stream');
    expect(value(5).nextExpectedRevision).toBe(0);
    expect(actual(6)).toBe('no_stream');
    // One batch: one transaction for every append of it.
    expect(value(5).position.commit).toBe(value(2).position.commit);
    expect((await store.readStream(`${p}-s1`)).map((e) => e.type)).toEqual(['A1', 'A2', 'A3']);
    await expect(store.readStream(`${p}-s3`)).rejects.toThrow('not found');
  });

  it('an append the database refuses fails alone; the rest of its batch lands', async () => {
    const p = randomUUID();
    const blocker = store.appendToStream(`${p}-blocker`, [ev('X')], { expectedRevision: 'no_stream' });
    const results = await Promise.allSettled([
      store.appendToStream(`${p}-ok1`, [ev('A')], { expectedRevision: 'no_stream' }),
      store.appendToStream(`${p}-bad`, [{ ...ev('B'), id: 'not-a-uuid' }], { expectedRevision: 'no_stream' }),
      store.appendToStream(`${p}-ok2`, [ev('C')], { expectedRevision: 'no_stream' }),
      store.appendToStream(`${p}-ok2`, [ev('D')], { expectedRevision: 0 }),
    ]);
    await blocker;
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((await store.readStream(`${p}-ok2`)).map((e) => e.type)).toEqual(['C', 'D']);
    await expect(store.readStream(`${p}-bad`)).rejects.toThrow('not found');
  });
});
