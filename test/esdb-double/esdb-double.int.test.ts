/**
 * The wire double answers the real, unmodified `@eventstore/db-client` (and raw gRPC) the way an
 * EventStoreDB node does. These tests pin the server's behaviour the adapter relies on, so a double
 * that drifts from the server fails here rather than hiding a bug in the adapter.
 */
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import {
  ANY,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  BACKWARDS,
  END,
  EventStoreDBClient,
  NO_STREAM,
  type Position,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  WrongExpectedVersionError,
  excludeSystemEvents,
  jsonEvent,
  streamNameFilter,
} from '@eventstore/db-client';
import * as shared from '@eventstore/db-client/generated/shared_pb';
import * as streamsGrpc from '@eventstore/db-client/generated/streams_grpc_pb';
import * as streams from '@eventstore/db-client/generated/streams_pb';
import { type EsdbDouble, type EsdbDoubleOptions, startEsdbDouble } from './index';

const ev = (type: string, id: string = randomUUID()) => jsonEvent({ id, type, data: { type }, metadata: { m: 1 } });
const streamName = (label: string): string => `${label}-${randomUUID().slice(0, 8)}`;

async function readAllOf<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of iterable) out.push(x);
  return out;
}

const positionsOf = (events: AllStreamResolvedEvent[]): Position[] => events.map((e) => e.event?.position as Position);

interface Harness {
  double: EsdbDouble;
  client: EventStoreDBClient;
}

function withDouble(options: EsdbDoubleOptions, body: (h: () => Harness) => void): void {
  let h: Harness;
  beforeAll(async () => {
    const double = await startEsdbDouble(options);
    h = { double, client: EventStoreDBClient.connectionString(double.url) };
  });
  afterAll(async () => {
    await h.client.dispose();
    await h.double.stop();
  });
  body(() => h);
}

async function wrongVersion(p: Promise<unknown>): Promise<WrongExpectedVersionError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WrongExpectedVersionError);
  return err as WrongExpectedVersionError;
}

describe('EventStoreDB wire double', () => {
  describe('appends (BatchAppend advertised, as servers since 21.10)', () => {
    withDouble({}, (h) => {
      it('asks for the server features once, then appends with BatchAppend', async () => {
        const { client, double } = h();
        await client.appendToStream(streamName('a'), ev('A'));
        await client.appendToStream(streamName('a'), ev('A'));
        expect(double.calls.filter((c) => c !== 'Read')).toEqual(['GetSupportedMethods', 'BatchAppend', 'BatchAppend']);
      });

      it('counts revisions from 0 and answers with the position of the last event (commit = prepare, never 0)', async () => {
        const { client } = h();
        const s = streamName('rev');
        const first = await client.appendToStream(s, [ev('A'), ev('B')], { expectedRevision: NO_STREAM });
        const second = await client.appendToStream(s, ev('C'), { expectedRevision: 1n });
        expect([first.nextExpectedRevision, second.nextExpectedRevision]).toEqual([1n, 2n]);
        const read = await readAllOf(client.readStream(s));
        expect(read.map((r) => r.event?.revision)).toEqual([0n, 1n, 2n]);
        const [p0, p1, p2] = read.map((r) => r.event?.position as Position);
        expect(first.position).toEqual(p1);
        expect(second.position).toEqual(p2);
        for (const p of [p0, p1, p2]) expect(p?.commit).toBe(p?.prepare);
        expect((p0 as Position).commit).toBeGreaterThan(0n);
        expect((p0 as Position).commit < (p1 as Position).commit && (p1 as Position).commit < (p2 as Position).commit).toBe(true);
      });

      it('answers a wrong expected version with the actual revision, or no_stream', async () => {
        const { client } = h();
        const s = streamName('wev');
        const missing = await wrongVersion(client.appendToStream(s, ev('A'), { expectedRevision: 3n }));
        expect(missing.actualVersion).toBe('no_stream');
        expect(missing.expectedVersion).toBe(3n);
        const exists = await wrongVersion(client.appendToStream(s, ev('A'), { expectedRevision: STREAM_EXISTS }));
        expect([exists.actualVersion, exists.expectedVersion]).toEqual(['no_stream', 'stream_exists']);
        await client.appendToStream(s, [ev('A'), ev('B')], { expectedRevision: NO_STREAM });
        const stale = await wrongVersion(client.appendToStream(s, ev('C'), { expectedRevision: NO_STREAM }));
        expect([stale.actualVersion, stale.expectedVersion]).toEqual([1n, 'no_stream']);
      });

      it('is idempotent for the same ids at the same place, and refuses a partial match', async () => {
        const { client, double } = h();
        const s = streamName('idem');
        const batch = [ev('A'), ev('B')];
        const first = await client.appendToStream(s, batch, { expectedRevision: NO_STREAM });
        const before = double.log.length;
        expect(await client.appendToStream(s, batch, { expectedRevision: NO_STREAM })).toEqual(first);
        expect(await client.appendToStream(s, batch, { expectedRevision: ANY })).toEqual(first);
        expect(double.log.length).toBe(before);
        // First id known, second new: the server's "corrupted idempotency" is a wrong expected version.
        const [a] = batch;
        await wrongVersion(client.appendToStream(s, [a as (typeof batch)[number], ev('X')], { expectedRevision: ANY }));
        await wrongVersion(client.appendToStream(s, [ev('Y')], { expectedRevision: NO_STREAM }));
        expect(double.log.length).toBe(before);
      });

      it('refuses an append larger than the maximum append size', async () => {
        const { client } = h();
        const big = jsonEvent({ type: 'Big', data: { blob: 'x'.repeat(1024 * 1024) } });
        await expect(client.appendToStream(streamName('big'), big)).rejects.toMatchObject({ type: 'maximum-append-size-exceeded' });
      });
    });
  });

  describe('appends (BatchAppend not advertised)', () => {
    withDouble({ batchAppend: false }, (h) => {
      it('makes the client use Append, with the same answers', async () => {
        const { client, double } = h();
        const s = streamName('plain');
        const ok = await client.appendToStream(s, ev('A'), { expectedRevision: NO_STREAM });
        expect(ok.nextExpectedRevision).toBe(0n);
        const wev = await wrongVersion(client.appendToStream(s, ev('B'), { expectedRevision: 5n }));
        expect([wev.actualVersion, wev.expectedVersion]).toEqual([0n, 5n]);
        const none = await wrongVersion(client.appendToStream(streamName('none'), ev('B'), { expectedRevision: STREAM_EXISTS }));
        expect(none.actualVersion).toBe('no_stream');
        expect(double.calls.filter((c) => c !== 'Read')).toEqual(['GetSupportedMethods', 'Append', 'Append', 'Append']);
      });
    });
  });

  describe('errors as EventStoreDB 20.6.0 sent them (legacyErrors)', () => {
    withDouble({ legacyErrors: true }, (h) => {
      it('has no server features, so the client appends with Append; a missing stream is actual version -1', async () => {
        const { client, double } = h();
        const s = streamName('legacy');
        const missing = await wrongVersion(client.appendToStream(s, ev('A'), { expectedRevision: 2n }));
        expect(missing.actualVersion).toBe(-1n);
        await client.appendToStream(s, ev('A'));
        const stale = await wrongVersion(client.appendToStream(s, ev('B'), { expectedRevision: NO_STREAM }));
        expect(stale.actualVersion).toBe(0n);
        expect(double.calls).not.toContain('GetSupportedMethods');
        expect(double.calls).not.toContain('BatchAppend');
      });

      it('reports a missing stream as a gRPC error that the client turns into StreamNotFoundError', async () => {
        const { client } = h();
        await expect(readAllOf(client.readStream(streamName('gone')))).rejects.toBeInstanceOf(StreamNotFoundError);
      });
    });
  });

  describe('the raw wire', () => {
    let double: EsdbDouble;
    let raw: streamsGrpc.StreamsClient;
    beforeAll(async () => {
      double = await startEsdbDouble();
      raw = new streamsGrpc.StreamsClient(`127.0.0.1:${double.port}`, grpc.credentials.createInsecure());
    });
    afterAll(async () => {
      raw.close();
      await double.stop();
    });
    const identifier = (name: string): shared.StreamIdentifier => new shared.StreamIdentifier().setStreamName(Buffer.from(name));
    const proposed = <T extends streams.AppendReq.ProposedMessage | streams.BatchAppendReq.ProposedMessage>(m: T): T => {
      m.setId(new shared.UUID().setString(randomUUID()));
      m.getMetadataMap().set('type', 'A');
      m.getMetadataMap().set('content-type', 'application/json');
      m.setData(Buffer.from('{}'));
      return m;
    };

    it('BatchAppend: a wrong expected version is a Status with code ALREADY_EXISTS carrying WrongExpectedVersion', async () => {
      const call = raw.batchAppend();
      const answer = new Promise<streams.BatchAppendResp>((resolve) => call.once('data', resolve));
      const correlation = new shared.UUID().setString(randomUUID());
      const options = new streams.BatchAppendReq.Options().setStreamIdentifier(identifier(streamName('raw'))).setStreamPosition('5');
      call.write(
        new streams.BatchAppendReq()
          .setCorrelationId(correlation)
          .setOptions(options)
          .setProposedMessagesList([proposed(new streams.BatchAppendReq.ProposedMessage())])
          .setIsFinal(true),
      );
      const resp = await answer;
      call.end();
      expect(resp.getCorrelationId()?.getString()).toBe(correlation.getString());
      const error = resp.getError();
      expect(error?.getCode()).toBe(6);
      expect(error?.getMessage()).toBe('WrongExpectedVersion');
      expect(error?.getDetails()?.getTypeName()).toBe('event_store.client.WrongExpectedVersion');
      const wev = error?.getDetails()?.unpack(shared.WrongExpectedVersion.deserializeBinary, 'event_store.client.WrongExpectedVersion');
      expect(wev?.hasCurrentNoStream()).toBe(true);
      expect(wev?.getExpectedStreamPosition()).toBe('5');
    });

    it('Append: a wrong expected version is the wrong_expected_version case of the response, not a gRPC error', async () => {
      const resp = await new Promise<streams.AppendResp>((resolve, reject) => {
        const call = raw.append((err, r) => (err ? reject(err) : resolve(r)));
        const options = new streams.AppendReq.Options().setStreamIdentifier(identifier(streamName('raw'))).setStreamExists(new shared.Empty());
        call.write(new streams.AppendReq().setOptions(options));
        call.write(new streams.AppendReq().setProposedMessage(proposed(new streams.AppendReq.ProposedMessage())));
        call.end();
      });
      expect(resp.hasWrongExpectedVersion()).toBe(true);
      expect(resp.getWrongExpectedVersion()?.hasCurrentNoStream()).toBe(true);
      expect(resp.getWrongExpectedVersion()?.hasExpectedStreamExists()).toBe(true);
    });
  });

  describe('reads and subscriptions', () => {
    withDouble({}, (h) => {
      let s: string;
      let written: AllStreamResolvedEvent[];
      beforeAll(async () => {
        const { client } = h();
        s = streamName('r');
        await client.appendToStream(s, [ev('E0'), ev('E1'), ev('E2'), ev('E3'), ev('E4')]);
        written = (await readAllOf(client.readAll())).filter((e) => e.event?.streamId === s);
      });

      it('a fresh node already has system events in $all', async () => {
        const all = await readAllOf(h().client.readAll());
        expect(all.some((e) => e.event?.type.startsWith('$'))).toBe(true);
      });

      it('a stream read answers a missing stream with stream_not_found (StreamNotFoundError), both directions', async () => {
        const { client } = h();
        await expect(readAllOf(client.readStream(streamName('nope')))).rejects.toBeInstanceOf(StreamNotFoundError);
        await expect(readAllOf(client.readStream(streamName('nope'), { direction: BACKWARDS, fromRevision: END }))).rejects.toBeInstanceOf(StreamNotFoundError);
      });

      it('reads a stream forwards and backwards from a revision, inclusive', async () => {
        const { client } = h();
        const types = async (o: Parameters<EventStoreDBClient['readStream']>[1]): Promise<string[]> =>
          (await readAllOf(client.readStream(s, o))).map((e) => e.event?.type ?? '');
        expect(await types({ fromRevision: 2n, maxCount: 2 })).toEqual(['E2', 'E3']);
        expect(await types({ direction: BACKWARDS, fromRevision: 2n })).toEqual(['E2', 'E1', 'E0']);
        expect(await types({ direction: BACKWARDS, fromRevision: END, maxCount: 2 })).toEqual(['E4', 'E3']);
        expect(await types({ fromRevision: 9n })).toEqual([]);
      });

      it('reads $all forwards inclusive of the position and backwards exclusive of it', async () => {
        const { client } = h();
        const at = positionsOf(written)[2] as Position;
        const forwards = await readAllOf(client.readAll({ fromPosition: at, maxCount: 2 }));
        expect(forwards.map((e) => e.event?.type)).toEqual(['E2', 'E3']);
        const backwards = await readAllOf(client.readAll({ fromPosition: at, direction: BACKWARDS, maxCount: 2 }));
        expect(backwards.map((e) => e.event?.type)).toEqual(['E1', 'E0']);
        const last = await readAllOf(client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1 }));
        expect(last[0]?.event?.position).toEqual(positionsOf(written)[4]);
        const first = await readAllOf(client.readAll({ fromPosition: START, maxCount: 1 }));
        expect(first[0]?.event?.position.commit).toBeGreaterThan(0n);
      });

      async function untilCaughtUp(subscription: AllStreamSubscription): Promise<AllStreamResolvedEvent[]> {
        const seen: AllStreamResolvedEvent[] = [];
        // The client emits caughtUp while earlier events may still wait in its buffer: count them in.
        let target = Infinity;
        await new Promise<void>((resolve, reject) => {
          const check = (): void => {
            if (seen.length >= target) resolve();
          };
          subscription.on('data', (e: AllStreamResolvedEvent) => {
            seen.push(e);
            check();
          });
          subscription.once('caughtUp', () => {
            target = seen.length + subscription.readableLength;
            check();
          });
          subscription.once('error', reject);
        });
        await subscription.unsubscribe();
        return seen;
      }

      it('subscribes from a position exclusively, confirms, and signals caught-up after the history', async () => {
        const { client } = h();
        const subscription = client.subscribeToAll({ fromPosition: positionsOf(written)[1] as Position, filter: streamNameFilter({ prefixes: [s] }) });
        let confirmed = false;
        subscription.once('confirmation', () => (confirmed = true));
        const seen = await untilCaughtUp(subscription);
        expect(confirmed).toBe(true);
        expect(seen.map((e) => e.event?.type)).toEqual(['E2', 'E3', 'E4']);
      });

      it('like the server, continues after the first event at or after a position that is not an event’s', async () => {
        const { client } = h();
        const p1 = positionsOf(written)[1] as Position;
        const between = { commit: p1.commit + 1n, prepare: p1.prepare + 1n };
        const seen = await untilCaughtUp(client.subscribeToAll({ fromPosition: between, filter: streamNameFilter({ prefixes: [s] }) }));
        expect(seen.map((e) => e.event?.type)).toEqual(['E3', 'E4']);
      });

      it('delivers system events unless filtered out, and live events after caught-up', async () => {
        const { client, double } = h();
        const unfiltered = await untilCaughtUp(client.subscribeToAll({ fromPosition: START }));
        expect(unfiltered.some((e) => e.event?.type.startsWith('$'))).toBe(true);
        const subscription = client.subscribeToAll({ fromPosition: END, filter: excludeSystemEvents() });
        const live = streamName('live');
        const types: string[] = [];
        await new Promise<void>((resolve, reject) => {
          subscription.once('caughtUp', () => {
            double.appendSystemEvent();
            client.appendToStream(live, ev('Live')).catch(reject);
          });
          subscription.on('data', (e: AllStreamResolvedEvent) => {
            types.push(e.event?.type ?? '');
            if (e.event?.type === 'Live') resolve();
          });
        });
        await subscription.unsubscribe();
        expect(types).toEqual(['Live']);
      });

      it('sends checkpoints on a filtered subscription, at positions of events it looked at', async () => {
        const { client, double } = h();
        const noise = streamName('noise');
        for (let i = 0; i < 10; i++) await client.appendToStream(noise, ev('Noise'));
        const checkpoints: Position[] = [];
        const subscription = client.subscribeToAll({
          fromPosition: START,
          filter: streamNameFilter({ prefixes: [s], maxSearchWindow: 4, checkpointInterval: 1, checkpointReached: (_sub, p) => void checkpoints.push(p) }),
        });
        const seen = await untilCaughtUp(subscription);
        expect(seen.map((e) => e.event?.type)).toEqual(['E0', 'E1', 'E2', 'E3', 'E4']);
        expect(checkpoints.length).toBeGreaterThan(0);
        const positions = new Set(Array.from({ length: double.log.length }, (_, i) => double.log.at(i)?.position));
        for (const [i, p] of checkpoints.entries()) {
          expect(positions.has(p.commit)).toBe(true);
          if (i > 0) expect(p.commit > (checkpoints[i - 1] as Position).commit).toBe(true);
        }
      });
    });
  });
});
