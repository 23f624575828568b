/**
 * The composition root picks the event store by configuration: with EVENTSTORE_URL a node keeps its
 * events in EventStoreDB (here the wire double) and its read models in PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/test-app';
import { type EsdbDouble, startEsdbDouble } from './index';

describe('a node with EVENTSTORE_URL', () => {
  let double: EsdbDouble;
  let node: TestApp;
  beforeAll(async () => {
    double = await startEsdbDouble();
    node = await startTestApp('postgres', { EVENTSTORE_URL: double.url });
  });
  afterAll(async () => {
    await node?.stop();
    await double?.stop();
  });

  it('reports the EventStoreDB adapter and keeps its events in EventStoreDB', async () => {
    const health = (await (await fetch(`${node.baseUrl}/healthz`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'ok', database: 'postgres', eventStore: 'eventstoredb' });
    const store = node.app.runtime.eventStore;
    const stream = `provider-${randomUUID()}`;
    const written = await store.appendToStream(stream, [{ id: randomUUID(), type: 'ProviderRegistered', data: { name: 'Ada' } }], { expectedRevision: 'no_stream' });
    expect(written.nextExpectedRevision).toBe(0);
    const stored = double.log.at(double.log.length - 1);
    expect([stored?.streamName, stored?.type, stored?.position]).toEqual([stream, 'ProviderRegistered', written.position.commit]);
    expect(await store.headPosition()).toEqual(written.position);
  });
});
