import { booked, cancelled, NOW, registered } from '../domain/provider/provider-fixtures';
import { ChainVerifier } from '../events/integrity';
import { type CommandContext, bookingIds, envelope, hasDerivedId, hashOf, withMintedIds } from './event-envelope';

const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const context: CommandContext = { actor: { id: 'cust-1', role: 'CUSTOMER' }, correlationId: 'req-1', causationId: 'evt-0', now: NOW };

describe('the event envelope', () => {
  it('bookingIds: the same booking always gets the same UUIDs; another customer, key or provider others', () => {
    const ids = bookingIds('prov-1', 'cust-1', 'k');
    expect(ids).toEqual(bookingIds('prov-1', 'cust-1', 'k'));
    expect(ids.appointmentId).toMatch(UUID_V5);
    expect(ids.eventId).toMatch(UUID_V5);
    expect(ids.appointmentId).not.toBe(ids.eventId);
    const others = [bookingIds('prov-1', 'cust-2', 'k'), bookingIds('prov-1', 'cust-1', 'k2'), bookingIds('prov-2', 'cust-1', 'k'), bookingIds('prov-1', 'cust-1:k', '')];
    expect(new Set([ids, ...others].map((i) => i.appointmentId)).size).toBe(5);
  });

  it('withMintedIds: a booking without an appointment id gets the one its key derives, and says so', () => {
    const { command, minted } = withMintedIds('prov-1', { type: 'BookAppointment', data: { serviceId: 's', start: NOW, idempotencyKey: 'k' } }, 'cust-1');
    const { appointmentId } = bookingIds('prov-1', 'cust-1', 'k');
    expect(minted).toEqual({ appointmentId });
    expect(command).toEqual({ type: 'BookAppointment', data: { serviceId: 's', start: NOW, idempotencyKey: 'k', appointmentId } });
    // One the caller chose is kept; other commands mint nothing.
    expect(withMintedIds('prov-1', { type: 'BookAppointment', data: { appointmentId: 'mine', serviceId: 's', start: NOW, idempotencyKey: 'k' } }, 'cust-1').minted).toEqual({ appointmentId: 'mine' });
    const cancel = { type: 'CancelAppointment' as const, data: { appointmentId: 'a' } };
    expect(withMintedIds('prov-1', cancel, 'cust-1')).toEqual({ command: cancel, minted: {} });
  });

  it('envelope: metadata of the command, and a hash chain continued from the stream’s last hash that an auditor verifies', () => {
    const first = envelope([registered()], { ...context, actor: { id: 'owner-1', role: 'PROVIDER' } }, null);
    const next = envelope([booked({ appointmentId: 'a-1', customerId: 'cust-1', idempotencyKey: 'k' }), cancelled('a-1')], context, hashOf(first[0]?.metadata));
    expect(next[0]?.metadata).toMatchObject({
      actorId: 'cust-1',
      actorRole: 'CUSTOMER',
      correlationId: 'req-1',
      causationId: 'evt-0',
      requestedAt: new Date(NOW).toISOString(),
      schemaVersion: 1,
      prevHash: hashOf(first[0]?.metadata),
    });
    expect(next[1]?.metadata?.prevHash).toBe(hashOf(next[0]?.metadata));
    const verifier = new ChainVerifier();
    [...first, ...next].forEach((e, revision) => verifier.add({ revision, type: e.type, data: e.data, metadata: e.metadata ?? {} }));
    expect(verifier.report()).toEqual({ valid: true, eventsChecked: 3, firstBrokenRevision: null });
  });

  it('envelope: a booking’s event id derives from its key (a retry appends the same id); every other id is fresh', () => {
    const event = booked({ appointmentId: 'a-1', customerId: 'cust-1', idempotencyKey: 'k' });
    const [once] = envelope([event], context, null);
    const [again] = envelope([event], { ...context, correlationId: 'req-2' }, null);
    expect(once?.id).toBe(bookingIds(event.data.providerId, 'cust-1', 'k').eventId);
    expect(again?.id).toBe(once?.id);
    expect(hasDerivedId(event)).toBe(true);
    const [c1, c2] = [envelope([cancelled('a-1')], context, null)[0], envelope([cancelled('a-1')], context, null)[0]];
    expect(c1?.id).not.toBe(c2?.id);
    expect(hasDerivedId(cancelled('a-1'))).toBe(false);
  });
});
