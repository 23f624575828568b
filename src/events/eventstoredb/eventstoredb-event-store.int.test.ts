/**
 * The EventStore contract against the EventStoreDB adapter, with the real client on the wire:
 * - on the in-memory wire double (test/esdb-double), once with `Streams.BatchAppend` advertised
 *   (what servers since 21.10 do) and once without (the client then appends with `Streams.Append`);
 * - on a real server too when EVENTSTORE_URL is set, e.g. after `docker compose up -d eventstore`:
 *   `EVENTSTORE_URL='esdb://localhost:2113?tls=false' npm test -- src/events/eventstoredb`.
 * EventStoreDB assigns `$all` positions at commit, so no gap test applies (`gapTests: 'none'`).
 */
import { randomUUID } from 'node:crypto';
import { type EventData, type Position, START, WrongExpectedVersionError } from '../event-store';
import { type ContractSubject, eventStoreContract } from '../event-store.contract';
import { type EsdbDouble, type EsdbDoubleOptions, startEsdbDouble } from '../../../test/esdb-double';
import { EventStoreDbEventStore } from './eventstoredb-event-store';

async function onDouble(options: EsdbDoubleOptions): Promise<ContractSubject> {
  const double = await startEsdbDouble(options);
  const store = new EventStoreDbEventStore(double.url);
  return {
    store,
    close: async () => {
      await store.close();
      await double.stop();
    },
  };
}

eventStoreContract('EventStoreDbEventStore on the wire double (BatchAppend)', () => onDouble({ batchAppend: true }), { gapTests: 'none' });
eventStoreContract('EventStoreDbEventStore on the wire double (Append)', () => onDouble({ batchAppend: false }), { gapTests: 'none' });

const realServer = process.env.EVENTSTORE_URL;
if (realServer) {
  eventStoreContract(
    `EventStoreDbEventStore on ${realServer}`,
    async () => {
      const store = new EventStoreDbEventStore(realServer);
      return { store, close: () => store.close() };
    },
    { gapTests: 'none' },
  );
}

describe('EventStoreDbEventStore on the wire double: what the contract does not pin', () => {
  const ev = (type: string): EventData => ({ id: randomUUID(), type, data: { type } });
  const stream = (label: string): string => `x${randomUUID().slice(0, 8)}-${label}`;

  async function withStore(options: EsdbDoubleOptions, body: (store: EventStoreDbEventStore, double: EsdbDouble) => Promise<void>): Promise<void> {
    const double = await startEsdbDouble(options);
    const store = new EventStoreDbEventStore(double.url);
    try {
      await body(store, double);
    } finally {
      await store.close();
      await double.stop();
    }
  }

  async function refusal(p: Promise<unknown>): Promise<WrongExpectedVersionError> {
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WrongExpectedVersionError);
    return err as WrongExpectedVersionError;
  }

  it.each([
    ['BatchAppend (a Status carrying WrongExpectedVersion)', { batchAppend: true }, 'BatchAppend'],
    ['Append (the response’s wrong_expected_version)', { batchAppend: false }, 'Append'],
    ['Append on a 20.6.0 server (error trailers, actual version -1)', { legacyErrors: true }, 'Append'],
  ] as const)('maps a wrong expected version from %s', async (_path, options, operation) => {
    await withStore(options, async (store, double) => {
      const s = stream('wev');
      const missing = await refusal(store.appendToStream(s, [ev('A')], { expectedRevision: 4 }));
      expect([missing.streamName, missing.expected, missing.actual]).toEqual([s, 4, 'no_stream']);
      await store.appendToStream(s, [ev('A'), ev('B')], { expectedRevision: 'no_stream' });
      const stale = await refusal(store.appendToStream(s, [ev('C')], { expectedRevision: 'no_stream' }));
      expect([stale.expected, stale.actual]).toEqual(['no_stream', 1]);
      expect(double.calls.filter((c) => c === 'Append' || c === 'BatchAppend')).toEqual([operation, operation, operation]);
    });
  });

  it('keeps system events inside: readAll, headPosition and a live subscription never show them', async () => {
    await withStore({}, async (store, double) => {
      expect(await store.headPosition()).toEqual(START);
      const s = stream('sys');
      const written = await store.appendToStream(s, [ev('A')]);
      double.appendSystemEvent();
      expect(await store.headPosition()).toEqual(written.position);
      expect((await store.readAll()).map((e) => e.type)).toEqual(['A']);
      const controller = new AbortController();
      const seen: string[] = [];
      for await (const m of store.subscribeToAll({ fromPosition: 'start', signal: controller.signal })) {
        if (m.kind === 'caughtUp') {
          double.appendSystemEvent();
          await store.appendToStream(s, [ev('B')]);
        } else {
          seen.push(m.event.type);
          if (m.event.type === 'B') controller.abort();
        }
      }
      expect(seen).toEqual(['A', 'B']);
    });
  });

  it('signals caught-up only after the whole history, also when the client buffers thousands of events', async () => {
    await withStore({}, async (store) => {
      const s = stream('long');
      for (let batch = 0; batch < 6; batch++) {
        await store.appendToStream(s, Array.from({ length: 500 }, (_, i) => ({ id: randomUUID(), type: 'N', data: { n: batch * 500 + i } })));
      }
      const kinds: string[] = [];
      let caughtUpAt: Position | undefined;
      let last: Position | undefined;
      for await (const m of store.subscribeToAll({ fromPosition: 'start' })) {
        if (m.kind === 'caughtUp') {
          caughtUpAt = m.position;
          break;
        }
        kinds.push(m.event.type);
        last = m.event.position;
        // A slow consumer: let the client fill its buffers between events.
        if (kinds.length % 500 === 0) await new Promise((r) => setImmediate(r));
      }
      expect(kinds).toHaveLength(3000);
      expect(caughtUpAt).toEqual(last);
    });
  });

  it('filters a subscription on stream names at the server and on event types here', async () => {
    await withStore({}, async (store) => {
      const prefix = stream('both');
      await store.appendToStream(`${prefix}-a`, [ev('Keep1'), ev('Drop'), ev('Keep2')]);
      await store.appendToStream(stream('other'), [ev('Keep3')]);
      const seen: string[] = [];
      for await (const m of store.subscribeToAll({ filter: { streamNamePrefixes: [prefix], eventTypePrefixes: ['Keep'] } })) {
        if (m.kind === 'caughtUp') break;
        seen.push(m.event.type);
      }
      expect(seen).toEqual(['Keep1', 'Keep2']);
    });
  });

  it('ends a subscription with an error when the server goes away, instead of hanging', async () => {
    const double = await startEsdbDouble();
    const store = new EventStoreDbEventStore(double.url);
    try {
      const iterate = (async () => {
        for await (const m of store.subscribeToAll({})) if (m.kind === 'caughtUp') await double.stop();
      })();
      await expect(iterate).rejects.toThrow();
    } finally {
      await store.close();
      await double.stop();
    }
  });

  it('checks the expected revision of an empty append without writing', async () => {
    await withStore({}, async (store) => {
      const s = stream('empty');
      await refusal(store.appendToStream(s, [], { expectedRevision: 'stream_exists' }));
      expect((await store.appendToStream(s, [], { expectedRevision: 'no_stream' })).nextExpectedRevision).toBe(-1);
      const written = await store.appendToStream(s, [ev('A')]);
      const check = await store.appendToStream(s, [], { expectedRevision: 0 });
      expect(check).toEqual({ nextExpectedRevision: 0, position: written.position });
      expect((await refusal(store.appendToStream(s, [], { expectedRevision: 3 }))).actual).toBe(0);
    });
  });
});
