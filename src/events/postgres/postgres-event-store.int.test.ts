import { type ContractSubject, eventStoreContract } from '../event-store.contract';
import { type Backend, openTestDatabase, testBackends } from '../../../test/support/test-database';
import { PostgresEventStore } from './postgres-event-store';

async function subjectFor(backend: Backend): Promise<ContractSubject> {
  const db = await openTestDatabase(backend, { poolSize: 60 });
  const store = new PostgresEventStore(db.pool, { pollIntervalMs: 200 });
  const subject: ContractSubject = {
    store,
    close: async () => {
      await store.close();
      await db.close();
    },
  };
  if (db.pool.concurrentSessions) {
    return {
      ...subject,
      openTransactionAppend: async (stream, events) => {
        const conn = await db.pool.connect();
        await conn.query('BEGIN');
        const payload = JSON.stringify(events.map((e) => ({ id: e.id, type: e.type, data: e.data, metadata: e.metadata ?? {} })));
        await conn.query(`SELECT * FROM es_append($1, 'any', NULL, $2::jsonb)`, [stream, payload]);
        return {
          commit: async () => {
            await conn.query('COMMIT');
            conn.release();
          },
        };
      },
    };
  }
  return {
    ...subject,
    holdSession: async () => {
      const conn = await db.pool.connect();
      return { release: () => conn.release() };
    },
  };
}

for (const backend of testBackends()) {
  eventStoreContract(`PostgresEventStore on ${backend}`, () => subjectFor(backend), { gapTests: backend === 'postgres' ? 'transactions' : 'single-session' });
}
