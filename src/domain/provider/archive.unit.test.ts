/**
 * The archive of ended appointments must be invisible to decisions: a state whose ended appointments
 * were archived, with what `archiveLookups` asks for put back, decides every command exactly as the
 * state folded from the whole stream — the same events, or the same refusal (code, message, details).
 */
import fc from 'fast-check';
import { isDomainError } from '../errors';
import type { ActorRole, ProviderEvent } from './events';
import {
  archivable,
  archivedTargets,
  archiveLookups,
  fingerprint,
  mayBeArchived,
  UNREAD_ARCHIVE,
  withArchived,
  withFingerprints,
  withKnownFingerprints,
  withoutArchived,
  type ArchivedAppointment,
} from './archive';
import type { DeciderContext, ProviderCommand } from './commands';
import { decide } from './decide';
import { DAY, HOUR, MINUTE, NOW, OWNER_ID, registered, serviceOffered, workweek } from './provider-fixtures';
import { evolve, evolveAll, idempotencyIndexKey, liveAppointmentsNear, type ProviderState, type RegisteredProviderState } from './state';
import { occupiedRange } from '../schedule/busy-index';

const SETUP: ProviderEvent[] = [
  registered(),
  workweek(),
  serviceOffered('one', { durationMinutes: 30, slotIntervalMinutes: 30, capacity: 1 }),
  serviceOffered('class', { durationMinutes: 60, slotIntervalMinutes: 60, capacity: 2, requiresConfirmation: true }),
];

const ctx = (id: string, role: ActorRole, now = NOW): DeciderContext => ({ now, actor: { id, role } });
const owner = (now = NOW): DeciderContext => ctx(OWNER_ID, 'PROVIDER', now);
const LATER = NOW + 20 * DAY;

/** A grid start on a weekday morning in the next two weeks (Monday 1 March 2027, 08:00Z, is NOW). */
const startArb = fc.record({ day: fc.integer({ min: 1, max: 11 }), slot: fc.integer({ min: 0, max: 7 }) }).map(({ day, slot }) => NOW + day * DAY + HOUR + slot * 30 * MINUTE);

type Step =
  | { kind: 'book'; customer: number; service: 'one' | 'class'; start: number; key: number }
  | { kind: 'act'; what: 'confirm' | 'cancel' | 'complete' | 'noShow' | 'reschedule'; target: number; start: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('book' as const), customer: fc.integer({ min: 1, max: 4 }), service: fc.constantFrom('one' as const, 'class' as const), start: startArb, key: fc.integer({ min: 1, max: 6 }) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('act' as const),
      what: fc.constantFrom('confirm' as const, 'cancel' as const, 'complete' as const, 'noShow' as const, 'reschedule' as const),
      target: fc.nat(),
      start: startArb,
    }),
  },
);

/** Probes: any command on any appointment ever booked (or none), by anyone, or a booking reusing a key. */
type Probe = { what: 'confirm' | 'cancel' | 'complete' | 'noShow' | 'reschedule' | 'rebook' | 'book-id'; target: number; by: 'customer' | 'owner' | 'other'; start: number; sameStart: boolean };
const probeArb: fc.Arbitrary<Probe> = fc.record({
  what: fc.constantFrom('confirm' as const, 'cancel' as const, 'complete' as const, 'noShow' as const, 'reschedule' as const, 'rebook' as const, 'book-id' as const),
  target: fc.integer({ min: 0, max: 40 }),
  by: fc.constantFrom('customer' as const, 'owner' as const, 'other' as const),
  start: startArb,
  sameStart: fc.boolean(),
});

interface Booked {
  readonly id: string;
  readonly customer: string;
  readonly service: string;
  readonly key: string;
  readonly start: number;
}

function actCommand(what: 'confirm' | 'cancel' | 'complete' | 'noShow' | 'reschedule', id: string, start: number): ProviderCommand {
  switch (what) {
    case 'confirm':
      return { type: 'ConfirmAppointment', data: { appointmentId: id } };
    case 'cancel':
      return { type: 'CancelAppointment', data: { appointmentId: id, reason: 'probe' } };
    case 'complete':
      return { type: 'CompleteAppointment', data: { appointmentId: id } };
    case 'noShow':
      return { type: 'MarkNoShow', data: { appointmentId: id } };
    case 'reschedule':
      return { type: 'RescheduleAppointment', data: { appointmentId: id, newStart: start } };
  }
}

/** Fold a history decided by the decider itself: refused steps leave no trace. */
function live(steps: readonly Step[]): { state: RegisteredProviderState; booked: Booked[] } {
  let state: ProviderState = evolveAll(SETUP);
  const booked: Booked[] = [];
  const run = (command: ProviderCommand, context: DeciderContext): boolean => {
    try {
      for (const e of decide(command, state, context)) state = evolve(state, e);
      return true;
    } catch (err) {
      if (isDomainError(err)) return false;
      throw err;
    }
  };
  for (const step of steps) {
    if (step.kind === 'book') {
      const b = { id: `appt-${booked.length}`, customer: `cust-${step.customer}`, service: step.service, key: `key-${step.key}`, start: step.start };
      if (run({ type: 'BookAppointment', data: { appointmentId: b.id, serviceId: b.service, start: b.start, idempotencyKey: b.key } }, ctx(b.customer, 'CUSTOMER'))) booked.push(b);
      continue;
    }
    const target = booked[step.target % Math.max(1, booked.length)];
    if (!target) continue;
    const late = step.what === 'complete' || step.what === 'noShow';
    run(actCommand(step.what, target.id, step.start), step.what === 'cancel' || step.what === 'reschedule' ? ctx(target.customer, 'CUSTOMER') : owner(late ? LATER : NOW));
  }
  return { state: state as RegisteredProviderState, booked };
}

function probeCommand(p: Probe, booked: readonly Booked[]): [ProviderCommand, DeciderContext] {
  const target = booked[p.target];
  const id = target?.id ?? `unknown-${p.target}`;
  const customer = target?.customer ?? 'cust-9';
  const actor = p.by === 'owner' ? owner(LATER) : p.by === 'other' ? ctx('intruder', 'CUSTOMER', LATER) : ctx(customer, 'CUSTOMER', LATER);
  if (p.what === 'rebook') {
    // The same key again: the same booking (a retry) or a different one (refused).
    const start = p.sameStart && target ? target.start : p.start + 14 * DAY;
    return [{ type: 'BookAppointment', data: { appointmentId: `new-${p.target}`, serviceId: target?.service ?? 'one', start, idempotencyKey: target?.key ?? 'key-1' } }, ctx(customer, 'CUSTOMER')];
  }
  if (p.what === 'book-id') {
    return [{ type: 'BookAppointment', data: { appointmentId: id, serviceId: 'one', start: p.start + 14 * DAY, idempotencyKey: `fresh-${p.target}` } }, ctx('cust-7', 'CUSTOMER')];
  }
  return [actCommand(p.what, id, p.start + 14 * DAY), actor];
}

type Outcome = { events: ProviderEvent[] } | { code: string; message: string; details: unknown };
function outcome(command: ProviderCommand, state: ProviderState, context: DeciderContext): Outcome {
  try {
    return { events: decide(command, state, context) };
  } catch (err) {
    if (!isDomainError(err)) throw err;
    return { code: err.code, message: err.message, details: err.details };
  }
}

/** What the command handler does: fetch what `archiveLookups` asks for from the archive, put it back. */
function hydrate(state: RegisteredProviderState, archive: ReadonlyMap<string, ArchivedAppointment>, command: ProviderCommand, actorId: string): RegisteredProviderState {
  const lookups = archiveLookups(state, command, actorId);
  if (lookups === null) return state;
  const records: ArchivedAppointment[] = [];
  for (const id of lookups.appointmentIds) {
    const r = archive.get(`a:${id}`);
    if (r) records.push(r);
  }
  for (const key of lookups.idempotencyKeys) {
    const r = archive.get(`k:${key}`);
    if (r) records.push(r);
  }
  return withArchived(state, records);
}

describe('the archive of ended appointments', () => {
  it('fingerprints: sorted, distinct, and every archived key may be archived', () => {
    const keys = Array.from({ length: 500 }, (_, i) => `id-${i}`);
    const index = withFingerprints(withFingerprints(null, keys.slice(0, 300).map((k) => fingerprint('appointment', k))), keys.slice(200).map((k) => fingerprint('appointment', k)));
    const fingerprints = index.fingerprints as Uint32Array;
    expect(fingerprints.length).toBe(500);
    for (let i = 1; i < fingerprints.length; i++) expect(fingerprints[i]).toBeGreaterThan(fingerprints[i - 1] as number);
    for (const k of keys) expect(mayBeArchived(index, 'appointment', k)).toBe(true);
    // The kind is part of the fingerprint; unknown keys are (almost always) certainly not archived.
    expect(keys.filter((k) => mayBeArchived(index, 'idempotency', k)).length).toBeLessThan(3);
    expect(mayBeArchived(null, 'appointment', 'id-1')).toBe(false);
    // Not read yet: anything may be archived; what is archived meanwhile joins the set once it is read.
    const unread = withFingerprints(UNREAD_ARCHIVE, [fingerprint('appointment', 'late')]);
    expect(mayBeArchived(unread, 'appointment', 'anything')).toBe(true);
    const { state } = live([]);
    const known = withKnownFingerprints({ ...state, archive: unread }, index.fingerprints as Uint32Array) as RegisteredProviderState;
    expect(mayBeArchived(known.archive, 'appointment', 'late')).toBe(true);
    expect(mayBeArchived(known.archive, 'appointment', 'id-7')).toBe(true);
    expect(mayBeArchived(known.archive, 'appointment', 'anything')).toBe(false);
  });

  it('decides every command on an archived state, put back by archiveLookups, as on the whole state', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 5, maxLength: 60 }), fc.array(probeArb, { minLength: 1, maxLength: 25 }), fc.boolean(), (steps, probes, unread) => {
        const { state: full, booked } = live(steps);
        const records = archivable(full);
        const archive = new Map<string, ArchivedAppointment>();
        for (const r of records) {
          archive.set(`a:${r.appointment.id}`, r);
          if (r.idempotency) archive.set(`k:${r.idempotency.key}`, r);
        }
        // Fingerprints known, or (a state just loaded from a snapshot) not read yet.
        const compacted = withoutArchived(full, records) as RegisteredProviderState;
        const archived = unread ? { ...compacted, archive: UNREAD_ARCHIVE } : compacted;
        // Memory holds exactly the live appointments now.
        expect(archived.appointments.size).toBe(full.liveAppointmentsById.size);
        for (const p of probes) {
          const [command, context] = probeCommand(p, booked);
          const hydrated = hydrate(archived, archive, command, context.actor.id);
          expect(outcome(command, hydrated, context)).toEqual(outcome(command, full, context));
          // And what a booking answers with (its appointment, a retry's included) is there too.
          if (command.type === 'BookAppointment') {
            const entry = hydrated.idempotency.get(idempotencyIndexKey(context.actor.id, command.data.idempotencyKey));
            const expected = full.idempotency.get(idempotencyIndexKey(context.actor.id, command.data.idempotencyKey));
            expect(entry).toEqual(expected);
            if (expected) expect(hydrated.appointments.get(expected.appointmentId)).toEqual(full.appointments.get(expected.appointmentId));
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('lets go only of what is still the same, and events addressing the archive find it', () => {
    const { state: full } = live([
      { kind: 'book', customer: 1, service: 'one', start: NOW + DAY + HOUR, key: 1 },
      { kind: 'book', customer: 2, service: 'one', start: NOW + DAY + 2 * HOUR, key: 1 },
      { kind: 'act', what: 'cancel', target: 0, start: 0 },
      { kind: 'act', what: 'cancel', target: 1, start: 0 },
    ]);
    const records = archivable(full);
    expect(records.map((r) => r.appointment.id)).toEqual(['appt-0', 'appt-1']);
    // appt-1 changes after the snapshot was encoded: memory keeps it.
    const changed = evolve(full, { type: 'AppointmentConfirmed', data: { providerId: full.providerId, appointmentId: 'appt-1', confirmedAt: new Date(NOW).toISOString() } });
    const compacted = withoutArchived(changed, records) as RegisteredProviderState;
    expect(compacted.appointments.keys()).toEqual(['appt-1']);
    expect(mayBeArchived(compacted.archive, 'appointment', 'appt-0')).toBe(true);
    // A recorded event about appt-0 (the decider never writes one) must fold as on the whole state.
    const odd = [{ type: 'AppointmentConfirmed', data: { providerId: full.providerId, appointmentId: 'appt-0', confirmedAt: new Date(NOW).toISOString() } }] as ProviderEvent[];
    expect(archivedTargets(compacted, odd)).toEqual(['appt-0']);
    const restored = withArchived(compacted, records.filter((r) => r.appointment.id === 'appt-0'));
    expect(evolveAll(odd, restored).status === 'Registered' && (evolveAll(odd, restored) as RegisteredProviderState).appointments.get('appt-0')).toEqual(
      (evolveAll(odd, changed) as RegisteredProviderState).appointments.get('appt-0'),
    );
  });
});

describe('the live appointments by day', () => {
  it('holds exactly the live appointments, and finds every one whose occupied range meets a window', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 60 }), fc.array(fc.record({ at: startArb, minutes: fc.integer({ min: 1, max: 3000 }) }), { maxLength: 10 }), (steps, windows) => {
        const { state } = live(steps);
        const byDay = state.liveByDay.values().flatMap((bucket) => bucket.values().map((a) => a.id)).sort();
        expect(byDay).toEqual(state.liveAppointmentsById.keys().sort());
        for (const { at, minutes } of windows) {
          const from = at - 90 * MINUTE;
          const to = at + minutes * MINUTE;
          const found = new Set(liveAppointmentsNear(state, from, to).map((a) => a.id));
          for (const a of state.liveAppointmentsById.values()) {
            const r = occupiedRange({ appointmentId: a.id, serviceId: a.serviceId, start: a.start, end: a.end, bufferBeforeMinutes: a.bufferBeforeMinutes, bufferAfterMinutes: a.bufferAfterMinutes, capacity: a.capacity });
            if ((r.start < to && r.end > from) || (a.start >= from && a.start <= to)) expect(found.has(a.id)).toBe(true);
          }
        }
      }),
      { numRuns: 100 },
    );
  });
});
