import { DomainError } from '../../domain/errors';
import type { OpenedDatabase } from '../../db/database';
import type { PgSqlPool } from '../../db/pg-pool';
import { createLogger } from '../../logger';
import { openTestDatabase } from '../../../test/support/test-database';
import { AdvisoryStreamTurns } from './stream-turns';

/** Poll `condition` until it holds, failing after `ms`: for what travels through NOTIFY. */
async function eventually(condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function eventuallyAsync(condition: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
  }
}

describe('AdvisoryStreamTurns', () => {
  let db: OpenedDatabase;
  const closing: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    db = await openTestDatabase('postgres', { poolSize: 6 });
  });
  afterAll(async () => {
    for (const close of closing.reverse()) await close();
    await db.close();
  });

  const turns = async (contendedMs?: number): Promise<AdvisoryStreamTurns> => {
    const t = await AdvisoryStreamTurns.start(db.pool as PgSqlPool, { logger: createLogger('silent'), ...(contendedMs === undefined ? {} : { contendedMs }) });
    closing.push(() => t.close());
    return t;
  };

  /** A turn of `stream` that sees another writer: it holds the stream from then on, and tells every instance. */
  const contend = (t: AdvisoryStreamTurns, stream: string): Promise<boolean> => t.run(stream, () => t.otherWriter(stream));

  it('a stream nobody contended runs its turns at once, from memory, in every instance', async () => {
    const [a, b] = [await turns(), await turns()];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const seen: boolean[] = [];
    const first = a.run('free', async (fromTail) => {
      seen.push(fromTail);
      await gate;
    });
    // Not held: b's turn of the same stream runs while a's is still inside.
    await b.run('free', async (fromTail) => void seen.push(fromTail));
    release();
    await first;
    expect(seen).toEqual([false, false]);
  });

  it('announces a stream another writer was seen on to every instance, its own included', async () => {
    const [a, b] = [await turns(), await turns()];
    expect(await contend(a, 'provider-x')).toBe(true); // it did not hold the stream before: it does now
    await eventually(() => a.contended('provider-x') && b.contended('provider-x'));
    expect(b.contended('provider-y')).toBe(false);
  });

  it('runs one turn of a contended stream at a time across instances, each from the tail, and other streams meanwhile', async () => {
    const [a, b] = [await turns(), await turns()];
    await contend(a, 's');
    await eventually(() => b.contended('s'));
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const first = a.run('s', async (fromTail) => {
      log.push(`a in, from tail: ${fromTail}`);
      entered();
      await gate;
      log.push('a out');
    });
    await inside;
    const second = b.run('s', async (fromTail) => void log.push(`b in, from tail: ${fromTail}`));
    await b.run('t', async () => void log.push('other stream'));
    // b's turn of 's' waits for the lock a holds: PostgreSQL shows its request queued behind a's.
    await eventuallyAsync(async () => (await db.pool.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`)).rows.length === 1);
    expect(log).toEqual(['a in, from tail: true', 'other stream']);
    release();
    await Promise.all([first, second]);
    expect(log).toEqual(['a in, from tail: true', 'other stream', 'a out', 'b in, from tail: true']);
  });

  it('a held turn that sees another writer again keeps its hold: nothing to retake', async () => {
    const a = await turns();
    await contend(a, 'h');
    expect(await a.run('h', () => a.otherWriter('h'))).toBe(false);
  });

  it('releases the lock when the turn throws', async () => {
    const [a, b] = [await turns(), await turns()];
    await contend(a, 'u');
    await eventually(() => b.contended('u'));
    await expect(a.run('u', async () => Promise.reject(new DomainError('SLOT_TAKEN', 'taken')))).rejects.toThrow('taken');
    await expect(b.run('u', async () => 'next')).resolves.toBe('next');
  });

  it('a contended window lapses once the other writer went quiet', async () => {
    const a = await turns(50);
    await contend(a, 'quiet');
    expect(a.contended('quiet')).toBe(true);
    await eventually(() => !a.contended('quiet'));
    expect(await a.run('quiet', async (fromTail) => fromTail)).toBe(false);
  });
});
