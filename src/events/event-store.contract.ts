/**
 * The EventStore contract, written once and run against every adapter (PostgreSQL server, PGlite,
 * EventStoreDB). It pins down EventStoreDB's semantics; an adapter that passes behaves like it.
 * Not a test file itself: adapters' `*.int.test.ts` call `eventStoreContract(...)`.
 */
import { randomUUID } from 'node:crypto';
import {
  type AppendResult,
  type EventData,
  type EventStore,
  type Position,
  type RecordedEvent,
  START,
  StreamNotFoundError,
  type SubscriptionMessage,
  WrongExpectedVersionError,
  comparePositions,
} from './event-store';

export interface ContractSubject {
  readonly store: EventStore;
  /**
   * Present when the backend has truly concurrent sessions: begins a transaction on a separate
   * connection, appends `events` to `stream` inside it and returns a handle to commit it later.
   */
  readonly openTransactionAppend?: (stream: string, events: readonly EventData[]) => Promise<{ commit(): Promise<void> }>;
  /** PGlite: prove a second session's work waits until the first has finished. */
  readonly holdSession?: () => Promise<{ release(): void }>;
  close(): Promise<void>;
}

const ev = (type: string, data: EventData['data'] = {}, id: string = randomUUID()): EventData => ({ id, type, data, metadata: { test: true } });

async function collect(iterable: AsyncIterable<SubscriptionMessage>, until: (msgs: SubscriptionMessage[]) => boolean): Promise<SubscriptionMessage[]> {
  const msgs: SubscriptionMessage[] = [];
  for await (const m of iterable) {
    msgs.push(m);
    if (until(msgs)) break;
  }
  return msgs;
}

/** What an idempotent repeat must answer as the first append did: revision and position. */
const sameAnswer = ({ nextExpectedRevision, position }: AppendResult) => ({ nextExpectedRevision, position });
const eventsOf = (msgs: SubscriptionMessage[]): RecordedEvent[] =>
  msgs.flatMap((m) => (m.kind === 'event' ? [m.event] : []));

async function expectWrongVersion(p: Promise<unknown>, actual: number | 'no_stream'): Promise<WrongExpectedVersionError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WrongExpectedVersionError);
  const wev = err as WrongExpectedVersionError;
  expect(wev.actual).toBe(actual);
  return wev;
}

export interface ContractCapabilities {
  /**
   * How the backend could let a reader skip a late-committing event, and so which gap tests apply:
   * `transactions` — truly concurrent sessions (a PostgreSQL server): the late-commit tests;
   * `single-session` — one session (PGlite): the test that a second writer waits;
   * `none` — positions are assigned at commit (EventStoreDB): `$all` has no gaps to test.
   */
  readonly gapTests: 'transactions' | 'single-session' | 'none';
}

export function eventStoreContract(adapterName: string, makeSubject: () => Promise<ContractSubject>, capabilities: ContractCapabilities): void {
  // Tests that do not apply to a backend are not registered at all (rather than reported as skipped).
  const notApplicable = (_name: string, _fn: () => Promise<void>): void => undefined;
  const withSessions = capabilities.gapTests === 'transactions' ? it : notApplicable;
  const singleSession = capabilities.gapTests === 'single-session' ? it : notApplicable;
  describe(`EventStore contract: ${adapterName}`, () => {
    let subject: ContractSubject;
    let store: EventStore;
    let prefix: string;
    const stream = (name: string): string => `${prefix}${name}`;
    /**
     * `$all` is read in visibility order: on PostgreSQL an event shows once every older transaction
     * in the cluster has finished (another test's open transaction can hold that back for a moment).
     * So "read what was appended" waits, through a subscription, until that many events are there.
     */
    const visible = async (count: number, filter: { streamNamePrefixes: string[]; eventTypePrefixes?: string[] } = { streamNamePrefixes: [prefix] }) =>
      eventsOf(await collect(store.subscribeToAll({ fromPosition: 'start', filter }), (m) => eventsOf(m).length >= count));

    beforeAll(async () => {
      subject = await makeSubject();
      store = subject.store;
    });
    afterAll(async () => {
      await subject.close();
    });
    beforeEach(() => {
      // Streams of each test carry a unique prefix, so `$all` assertions can filter to their own events.
      prefix = `c${randomUUID().slice(0, 8)}-`;
    });

    describe('stream revisions', () => {
      it('start at 0 and count up by one per event', async () => {
        const r = await store.appendToStream(stream('a'), [ev('A'), ev('B'), ev('C')], { expectedRevision: 'no_stream' });
        expect(r.nextExpectedRevision).toBe(2);
        const read = await store.readStream(stream('a'));
        expect(read.map((e) => e.revision)).toEqual([0, 1, 2]);
        expect(read.map((e) => e.type)).toEqual(['A', 'B', 'C']);
        expect(read.every((e) => e.streamName === stream('a'))).toBe(true);
      });

      it('returns increasing positions with each append', async () => {
        const a = await store.appendToStream(stream('p'), [ev('A')]);
        const b = await store.appendToStream(stream('p'), [ev('B')]);
        expect(comparePositions(a.position, b.position)).toBeLessThan(0);
        const read = await store.readStream(stream('p'));
        expect(read[1]?.position).toEqual(b.position);
      });
    });

    describe('expected revision', () => {
      it('no_stream: accepted for a new stream, refused for an existing one with the actual revision', async () => {
        await store.appendToStream(stream('n'), [ev('A'), ev('B')], { expectedRevision: 'no_stream' });
        const err = await expectWrongVersion(store.appendToStream(stream('n'), [ev('C')], { expectedRevision: 'no_stream' }), 1);
        expect(err.streamName).toBe(stream('n'));
        expect(err.expected).toBe('no_stream');
      });

      it('stream_exists: refused for a missing stream (actual no_stream), accepted for an existing one', async () => {
        await expectWrongVersion(store.appendToStream(stream('e'), [ev('A')], { expectedRevision: 'stream_exists' }), 'no_stream');
        await store.appendToStream(stream('e'), [ev('A')], { expectedRevision: 'no_stream' });
        const r = await store.appendToStream(stream('e'), [ev('B')], { expectedRevision: 'stream_exists' });
        expect(r.nextExpectedRevision).toBe(1);
      });

      it('any: always accepted', async () => {
        expect((await store.appendToStream(stream('y'), [ev('A')], { expectedRevision: 'any' })).nextExpectedRevision).toBe(0);
        expect((await store.appendToStream(stream('y'), [ev('B')], { expectedRevision: 'any' })).nextExpectedRevision).toBe(1);
      });

      it('a number: accepted when it is the current revision, refused otherwise with the actual revision', async () => {
        await store.appendToStream(stream('r'), [ev('A'), ev('B')], { expectedRevision: 'no_stream' });
        const ok = await store.appendToStream(stream('r'), [ev('C')], { expectedRevision: 1 });
        expect(ok.nextExpectedRevision).toBe(2);
        const err = await expectWrongVersion(store.appendToStream(stream('r'), [ev('D')], { expectedRevision: 1 }), 2);
        expect(err.expected).toBe(1);
        await expectWrongVersion(store.appendToStream(stream('r'), [ev('D')], { expectedRevision: 7 }), 2);
        await expectWrongVersion(store.appendToStream(stream('missing'), [ev('D')], { expectedRevision: 0 }), 'no_stream');
        expect((await store.readStream(stream('r'))).map((e) => e.type)).toEqual(['A', 'B', 'C']);
      });

      it('a refused append leaves the stream unchanged and a missing stream missing', async () => {
        await expectWrongVersion(store.appendToStream(stream('ghost'), [ev('A')], { expectedRevision: 3 }), 'no_stream');
        await expect(store.readStream(stream('ghost'))).rejects.toBeInstanceOf(StreamNotFoundError);
        const ok = await store.appendToStream(stream('ghost'), [ev('A')], { expectedRevision: 'no_stream' });
        expect(ok.nextExpectedRevision).toBe(0);
      });
    });

    describe('concurrency', () => {
      it('50 concurrent appenders at the same expected revision: exactly one wins', async () => {
        await store.appendToStream(stream('hot'), [ev('Created')], { expectedRevision: 'no_stream' });
        const results = await Promise.allSettled(
          Array.from({ length: 50 }, (_, i) => store.appendToStream(stream('hot'), [ev('Try', { i })], { expectedRevision: 0 })),
        );
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(49);
        for (const l of lost) {
          expect(l.reason).toBeInstanceOf(WrongExpectedVersionError);
          expect((l.reason as WrongExpectedVersionError).actual).toBe(1);
        }
        expect(await store.readStream(stream('hot'))).toHaveLength(2);
      });

      it('two concurrent creators with no_stream: exactly one wins', async () => {
        const results = await Promise.allSettled([
          store.appendToStream(stream('new'), [ev('A')], { expectedRevision: 'no_stream' }),
          store.appendToStream(stream('new'), [ev('B')], { expectedRevision: 'no_stream' }),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const lost = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(lost?.reason).toBeInstanceOf(WrongExpectedVersionError);
        expect((lost?.reason as WrongExpectedVersionError).actual).toBe(0);
        expect(await store.readStream(stream('new'))).toHaveLength(1);
      });

      it('concurrent appends to distinct streams all land, each exactly once in $all', async () => {
        const n = 40;
        await Promise.all(Array.from({ length: n }, (_, i) => store.appendToStream(stream(`d${i}`), [ev('A', { i }), ev('B', { i })], { expectedRevision: 'no_stream' })));
        const all = await visible(2 * n);
        expect(await store.readAll({ filter: { streamNamePrefixes: [prefix] }, maxCount: 1000 })).toEqual(all);
        expect(all).toHaveLength(2 * n);
        expect(new Set(all.map((e) => e.id)).size).toBe(2 * n);
        for (let i = 1; i < all.length; i++) {
          expect(comparePositions((all[i - 1] as RecordedEvent).position, (all[i] as RecordedEvent).position)).toBeLessThan(0);
        }
      });
    });

    describe('idempotency (same event ids, same place)', () => {
      it('re-appending the same events at the same expected revision is a no-op with the same result', async () => {
        await store.appendToStream(stream('i'), [ev('A')], { expectedRevision: 'no_stream' });
        const batch = [ev('B'), ev('C')];
        const first = await store.appendToStream(stream('i'), batch, { expectedRevision: 0 });
        const again = await store.appendToStream(stream('i'), batch, { expectedRevision: 0 });
        expect(sameAnswer(again)).toEqual(sameAnswer(first));
        // A store that tells (the PostgreSQL one does) says which of the two wrote.
        expect([first.idempotent, again.idempotent]).toEqual(store.name === 'eventstoredb' ? [undefined, undefined] : [false, true]);
        expect((await store.readStream(stream('i'))).map((e) => e.type)).toEqual(['A', 'B', 'C']);
      });

      it('also with no_stream and with any', async () => {
        const batch = [ev('A', { n: 1 })];
        const first = await store.appendToStream(stream('j'), batch, { expectedRevision: 'no_stream' });
        expect(sameAnswer(await store.appendToStream(stream('j'), batch, { expectedRevision: 'no_stream' }))).toEqual(sameAnswer(first));
        expect(sameAnswer(await store.appendToStream(stream('j'), batch, { expectedRevision: 'any' }))).toEqual(sameAnswer(first));
        expect(await store.readStream(stream('j'))).toHaveLength(1);
      });

      it('new ids at a stale revision are still refused', async () => {
        const batch = [ev('A')];
        await store.appendToStream(stream('k'), batch, { expectedRevision: 'no_stream' });
        await store.appendToStream(stream('k'), [ev('B')], { expectedRevision: 0 });
        await expectWrongVersion(store.appendToStream(stream('k'), [ev('C')], { expectedRevision: 0 }), 1);
      });
    });

    describe('reading a stream', () => {
      it('a missing stream is a typed not-found', async () => {
        const err = await store.readStream(stream('nope')).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(StreamNotFoundError);
        expect((err as StreamNotFoundError).streamName).toBe(stream('nope'));
      });

      it('forwards from a revision with a max count, and backwards from the end or a revision', async () => {
        await store.appendToStream(stream('s'), Array.from({ length: 10 }, (_, i) => ev(`E${i}`)), { expectedRevision: 'no_stream' });
        expect((await store.readStream(stream('s'), { fromRevision: 3, maxCount: 4 })).map((e) => e.revision)).toEqual([3, 4, 5, 6]);
        expect((await store.readStream(stream('s'), { direction: 'backwards', maxCount: 3 })).map((e) => e.revision)).toEqual([9, 8, 7]);
        expect((await store.readStream(stream('s'), { direction: 'backwards', fromRevision: 4 })).map((e) => e.revision)).toEqual([4, 3, 2, 1, 0]);
        expect(await store.readStream(stream('s'), { fromRevision: 10 })).toEqual([]);
      });

      it('orders by number, not text, past single digits (revision 10 after 9, in the stream and in $all)', async () => {
        await store.appendToStream(stream('long'), Array.from({ length: 25 }, (_, i) => ev(`E${i}`)), { expectedRevision: 'no_stream' });
        const forwards = await store.readStream(stream('long'));
        expect(forwards.map((e) => e.revision)).toEqual(Array.from({ length: 25 }, (_, i) => i));
        const backwards = await store.readStream(stream('long'), { direction: 'backwards', maxCount: 3 });
        expect(backwards.map((e) => e.revision)).toEqual([24, 23, 22]);
        const all = await visible(25);
        expect(all.map((e) => e.type)).toEqual(Array.from({ length: 25 }, (_, i) => `E${i}`));
      });

      it('round-trips unicode and 256 KiB payloads exactly, with metadata', async () => {
        const unicode = { text: 'Zoë 😀 — 東京 — مرحبا — \u2028 line', nested: { emoji: ['🦷', '🐾'], n: 1.5, neg: -3, t: true, z: null } };
        const big = { blob: 'x'.repeat(256 * 1024), tail: 'ü' };
        await store.appendToStream(stream('u'), [{ id: randomUUID(), type: 'Unicode', data: unicode, metadata: { who: 'Ĳsbrand' } }, ev('Big', big)]);
        const [a, b] = await store.readStream(stream('u'));
        expect(a?.data).toEqual(unicode);
        expect(a?.metadata).toEqual({ who: 'Ĳsbrand' });
        expect(b?.data).toEqual(big);
      });
    });

    describe('$all', () => {
      it('readAll order equals commit order across streams, and resumes after a position', async () => {
        const order: string[] = [];
        for (let i = 0; i < 12; i++) {
          const e = ev('Ordered', { i });
          order.push(e.id);
          await store.appendToStream(stream(`o${i % 3}`), [e]);
        }
        const all = await visible(12);
        expect(all.map((e) => e.id)).toEqual(order);
        expect((await store.readAll({ filter: { streamNamePrefixes: [prefix] } })).map((e) => e.id)).toEqual(order);
        const rest = await store.readAll({ fromPosition: (all[4] as RecordedEvent).position, filter: { streamNamePrefixes: [prefix] } });
        expect(rest.map((e) => e.id)).toEqual(order.slice(5));
        const page = await store.readAll({ fromPosition: (all[4] as RecordedEvent).position, maxCount: 3, filter: { streamNamePrefixes: [prefix] } });
        expect(page.map((e) => e.id)).toEqual(order.slice(5, 8));
      });

      it('filters by event type prefix and never returns system events', async () => {
        await store.appendToStream(stream('f'), [ev('AppointmentBooked'), ev('ServiceOffered'), ev('AppointmentCancelled')]);
        const filtered = await visible(2, { streamNamePrefixes: [prefix], eventTypePrefixes: ['Appointment'] });
        expect(await store.readAll({ filter: { streamNamePrefixes: [prefix], eventTypePrefixes: ['Appointment'] } })).toEqual(filtered);
        expect(filtered.map((e) => e.type)).toEqual(['AppointmentBooked', 'AppointmentCancelled']);
        const head = await store.headPosition();
        expect(comparePositions(head, (filtered[1] as RecordedEvent).position)).toBeGreaterThanOrEqual(0);
      });

      withSessions('never skips an event that commits late with a lower sequence number', async () => {
        if (!subject.openTransactionAppend) throw new Error('subject lacks openTransactionAppend');
        const early = ev('Early');
        const late = ev('Late');
        // A takes the lower sequence number and stays open; B takes a higher one and commits first.
        const slow = await subject.openTransactionAppend(stream('gap-a'), [early]);
        await store.appendToStream(stream('gap-b'), [late]);
        const seenBefore = await store.readAll({ filter: { streamNamePrefixes: [prefix] } });
        // A reader must not run ahead of the open transaction: B stays invisible until A finishes.
        expect(seenBefore.map((e) => e.type)).toEqual([]);
        await slow.commit();
        const seenAfter = await visible(2);
        expect(seenAfter.map((e) => e.type)).toEqual(['Early', 'Late']);
      });

      withSessions('a live subscription waiting on an open transaction delivers both events once, in order', async () => {
        if (!subject.openTransactionAppend) throw new Error('subject lacks openTransactionAppend');
        const controller = new AbortController();
        const received: RecordedEvent[] = [];
        let caughtUp!: () => void;
        const isCaughtUp = new Promise<void>((r) => (caughtUp = r));
        let gotTwo!: () => void;
        const twoReceived = new Promise<void>((r) => (gotTwo = r));
        const sub = (async () => {
          for await (const m of store.subscribeToAll({ fromPosition: 'start', filter: { streamNamePrefixes: [prefix] }, signal: controller.signal })) {
            if (m.kind === 'caughtUp') caughtUp();
            else {
              received.push(m.event);
              if (received.length === 2) gotTwo();
            }
          }
        })();
        await isCaughtUp;
        const slow = await subject.openTransactionAppend(stream('gap-c'), [ev('Early')]);
        await store.appendToStream(stream('gap-d'), [ev('Late')]);
        await slow.commit();
        await twoReceived;
        controller.abort();
        await sub;
        expect(received.map((e) => e.type)).toEqual(['Early', 'Late']);
      });

      singleSession('single session: a second writer waits until the first session is released, so no gap can open', async () => {
        if (!subject.holdSession) throw new Error('subject lacks holdSession');
        const held = await subject.holdSession();
        let done = false;
        const write = store.appendToStream(stream('w'), [ev('A')]).then(() => (done = true));
        await new Promise((r) => setImmediate(r));
        expect(done).toBe(false);
        held.release();
        await write;
        expect(done).toBe(true);
      });
    });

    describe('subscribeToAll', () => {
      it('catches up, signals it, then delivers new events live', async () => {
        await store.appendToStream(stream('live'), [ev('Before1'), ev('Before2')]);
        const controller = new AbortController();
        const iterable = store.subscribeToAll({ fromPosition: 'start', filter: { streamNamePrefixes: [prefix] }, signal: controller.signal });
        const msgs: SubscriptionMessage[] = [];
        let appended = false;
        for await (const m of iterable) {
          msgs.push(m);
          if (m.kind === 'caughtUp' && !appended) {
            appended = true;
            await store.appendToStream(stream('live'), [ev('After')]);
          }
          if (m.kind === 'event' && m.event.type === 'After') break;
        }
        expect(msgs.map((m) => (m.kind === 'event' ? m.event.type : 'caughtUp'))).toEqual(['Before1', 'Before2', 'caughtUp', 'After']);
      });

      it('resumes exactly after a stored position: no loss, no repeat', async () => {
        const ids: string[] = [];
        const append = async (n: number): Promise<void> => {
          for (let i = 0; i < n; i++) {
            const e = ev('N', { i: ids.length });
            ids.push(e.id);
            await store.appendToStream(stream(`res${ids.length % 2}`), [e]);
          }
        };
        await append(10);
        const filter = { streamNamePrefixes: [prefix] };
        const first = eventsOf(await collect(store.subscribeToAll({ fromPosition: 'start', filter, batchSize: 3 }), (m) => eventsOf(m).length === 5));
        const checkpoint: Position = (first[4] as RecordedEvent).position;
        await append(5);
        const resumed = eventsOf(
          // Until every later event is in (not merely caught up: some may still be invisible behind another transaction).
          await collect(store.subscribeToAll({ fromPosition: checkpoint, filter, batchSize: 4 }), (m) => eventsOf(m).length >= ids.length - 5),
        );
        expect(first.map((e) => e.id)).toEqual(ids.slice(0, 5));
        expect(resumed.map((e) => e.id)).toEqual(ids.slice(5));
      });

      it("from 'end' delivers only events appended after subscribing", async () => {
        await store.appendToStream(stream('end'), [ev('Old')]);
        await visible(1); // 'end' is the end of what readers can see
        const controller = new AbortController();
        const msgs: SubscriptionMessage[] = [];
        for await (const m of store.subscribeToAll({ fromPosition: 'end', filter: { streamNamePrefixes: [prefix] }, signal: controller.signal })) {
          msgs.push(m);
          if (m.kind === 'caughtUp') await store.appendToStream(stream('end'), [ev('New')]);
          if (m.kind === 'event') break;
        }
        expect(eventsOf(msgs).map((e) => e.type)).toEqual(['New']);
      });

      it('stops when its signal aborts', async () => {
        const controller = new AbortController();
        const done = (async () => {
          const seen: SubscriptionMessage[] = [];
          for await (const m of store.subscribeToAll({ fromPosition: START, filter: { streamNamePrefixes: [prefix] }, signal: controller.signal })) {
            seen.push(m);
            if (m.kind === 'caughtUp') controller.abort();
          }
          return seen;
        })();
        const seen = await done;
        expect(seen.map((m) => m.kind)).toEqual(['caughtUp']);
      });
    });
  });
}
