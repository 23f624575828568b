/**
 * What the write side puts around the decider's events, written once: the ids it mints (a booking's
 * appointment id, every event id), the metadata (actor, correlation, causation, request time, schema
 * version, and the entities an event `creates`, which the stream index is kept from) and the hash
 * chain (`prevHash`, `hash`, see src/events/integrity.ts).
 *
 * Ids of a booking derive from (provider, customer, idempotency key) as name-based UUIDs: a retried
 * request decides the same appointment id and appends the same event id, so the event store's
 * duplicate detection of event ids (EventStoreDB's, and ours) agrees with the decider's idempotency
 * index even when two retries race across processes. Every other event id is random.
 */
import { createHash, randomUUID } from 'node:crypto';
import { type BookAppointment, type ProviderCommand, entitiesCreatedBy } from '../domain/provider';
import type { ActorRole, ProviderEvent } from '../domain/provider/events';
import type { EventData, JsonObject, JsonValue } from '../events/event-store';
import { eventHash } from '../events/integrity';
import { PROVIDER_EVENT_SCHEMA_VERSIONS } from '../events/provider-events';

export interface CommandContext {
  readonly actor: { readonly id: string; readonly role: ActorRole };
  /** Ties together everything one user action caused (a request id, usually). */
  readonly correlationId: string;
  /** Id of the message (event or request) that caused this command, if any. */
  readonly causationId?: string | null;
  /** The command's time; the write side never reads the clock on its own. */
  readonly now: number;
}

/**
 * A command as callers hand it to the write side. A booking may leave out its appointment id: the
 * write side derives it from the idempotency key (and reports it, `MintedIds`).
 */
export type CommandRequest =
  | Exclude<ProviderCommand, BookAppointment>
  | { readonly type: 'BookAppointment'; readonly data: Omit<BookAppointment['data'], 'appointmentId'> & { readonly appointmentId?: string } };

/** Ids the write side minted for a command, so the caller can name what it created. */
export interface MintedIds {
  readonly appointmentId?: string;
}

/** Namespace of Slotstream's name-based ids (an arbitrary fixed UUID). */
const NAMESPACE = Buffer.from('6f1d2c1e8a3b4f5a9c7d0e1f2a3b4c5d', 'hex');

/** RFC 4122 version-5 UUID: the same name always gives the same id. */
function uuidFromName(name: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(name, 'utf8').digest();
  const b = hash.subarray(0, 16);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x50;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The appointment id and the AppointmentBooked event id of a customer's booking under an idempotency key. */
export function bookingIds(providerId: string, customerId: string, idempotencyKey: string): { appointmentId: string; eventId: string } {
  const name = JSON.stringify([providerId, customerId, idempotencyKey]);
  return { appointmentId: uuidFromName(`appointment:${name}`), eventId: uuidFromName(`booked-event:${name}`) };
}

/** `request` for `providerId`'s stream as the decider takes it, with the ids the write side mints filled in. */
export function withMintedIds(providerId: string, request: CommandRequest, actorId: string): { command: ProviderCommand; minted: MintedIds } {
  if (request.type !== 'BookAppointment') return { command: request, minted: {} };
  const appointmentId = request.data.appointmentId ?? bookingIds(providerId, actorId, request.data.idempotencyKey).appointmentId;
  return { command: { type: 'BookAppointment', data: { ...request.data, appointmentId } }, minted: { appointmentId } };
}

/**
 * Whether `event`'s id derives from its content (a booking's, from its idempotency key). Only such
 * an append can succeed idempotently with another process's events (two retries of one key racing).
 */
export const hasDerivedId = (event: { readonly type: string }): boolean => event.type === 'AppointmentBooked';

function eventIdOf(event: ProviderEvent): string {
  return event.type === 'AppointmentBooked' ? bookingIds(event.data.providerId, event.data.customerId, event.data.idempotencyKey).eventId : randomUUID();
}

/** `events` as stored: ids, metadata, and the hash chain continued from `prevHash` (the stream's last hash). */
export function envelope(events: readonly ProviderEvent[], context: CommandContext, prevHash: string | null): EventData[] {
  let previous = prevHash;
  return events.map((event) => {
    const metadata: JsonObject = {
      actorId: context.actor.id,
      actorRole: context.actor.role,
      correlationId: context.correlationId,
      causationId: context.causationId ?? null,
      requestedAt: new Date(context.now).toISOString(),
      schemaVersion: PROVIDER_EVENT_SCHEMA_VERSIONS[event.type],
      prevHash: previous,
    };
    const creates = entitiesCreatedBy(event);
    if (creates.length > 0) metadata.creates = creates;
    const data = event.data as unknown as JsonValue;
    const hash = eventHash(previous, event.type, data, metadata);
    previous = hash;
    return { id: eventIdOf(event), type: event.type, data, metadata: { ...metadata, hash } };
  });
}

/** The hash an event's metadata carries, if any: the chain's link to the next event. */
export const hashOf = (metadata: JsonObject | undefined): string | null => (typeof metadata?.hash === 'string' ? metadata.hash : null);
