import { PassThrough } from 'node:stream';
import type { AllStreamSubscription } from '@eventstore/db-client';
import { type PumpItem, SubscriptionPump, toActualRevision } from './eventstoredb-event-store';

describe('toActualRevision: the actual revision of a wrong-expected-version answer', () => {
  it.each([
    ['"no_stream" (current servers, missing stream)', 'no_stream', 'no_stream'],
    ['a bigint (current servers)', 7n, 7],
    ['a negative bigint (20.6.0 error trailers said -1)', -1n, 'no_stream'],
    ['0n', 0n, 0],
    ['a number', 3, 3],
    ['numeric text', '12', 12],
    ['anything else', undefined, 'no_stream'],
  ] as const)('%s', (_label, input, expected) => {
    expect(toActualRevision(input)).toBe(expected);
  });
});

describe('SubscriptionPump: caught-up in order with the events before it', () => {
  const resolved = (n: number) => ({
    event: { streamId: 's', id: `id-${n}`, revision: BigInt(n), type: 'E', data: { n }, metadata: {}, isJson: true, created: new Date(0), position: { commit: BigInt(n + 1), prepare: BigInt(n + 1) } },
  });
  const label = (item: PumpItem): string => (item.kind === 'event' ? String(item.event.revision) : item.kind);

  it('places caughtUp after the events still buffered in the client stream when it was signalled', async () => {
    const stream = new PassThrough({ objectMode: true });
    stream.pause();
    for (let n = 0; n < 5; n++) stream.write(resolved(n));
    const pump = new SubscriptionPump(stream as unknown as AllStreamSubscription, undefined);
    expect(stream.readableLength).toBe(5);
    stream.emit('caughtUp');
    stream.write(resolved(5));
    stream.resume();
    const order: string[] = [];
    for (let i = 0; i < 7; i++) order.push(label(await pump.next()));
    expect(order).toEqual(['0', '1', '2', '3', '4', 'caughtUp', '5']);
    pump.close();
  });

  it('ends when the signal aborts, and reports an error or the end of the stream', async () => {
    const controller = new AbortController();
    const stream = new PassThrough({ objectMode: true });
    const pump = new SubscriptionPump(stream as unknown as AllStreamSubscription, controller.signal);
    const waiting = pump.next();
    controller.abort();
    expect(await waiting).toEqual({ kind: 'end' });
    const failing = new PassThrough({ objectMode: true });
    const failed = new SubscriptionPump(failing as unknown as AllStreamSubscription, undefined);
    failing.destroy(new Error('UNAVAILABLE'));
    expect(await failed.next()).toMatchObject({ kind: 'error' });
  });
});
