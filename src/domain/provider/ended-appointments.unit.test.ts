/**
 * Leaving ended appointments out of a state must be invisible to decisions: a state without them, with
 * what the command addresses (`keysNotHeld`) put back, decides every command exactly as the state
 * folded from the whole stream — the same events, or the same refusal (code, message, details).
 */
import fc from 'fast-check';
import { isDomainError } from '../errors';
import type { ActorRole, ProviderEvent } from './events';
import { type EndedAppointment, endedAppointments, keysNotHeld, updatedNotHeld, withEndedRestored, withoutEnded } from './ended-appointments';
import type { DeciderContext, ProviderCommand } from './commands';
import { decide } from './decide';
import { DAY, HOUR, MINUTE, NOW, OWNER_ID, registered, serviceOffered, workweek } from './provider-fixtures';
import { evolve, evolveAll, idempotencyIndexKey, type ProviderState, type RegisteredProviderState } from './state';

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

/** What the write side does: fetch what the command addresses and the state does not hold, put it back. */
function restore(state: RegisteredProviderState, kept: ReadonlyMap<string, EndedAppointment>, command: ProviderCommand, actorId: string): RegisteredProviderState {
  const wanted = keysNotHeld(state, command, actorId);
  const records: EndedAppointment[] = [];
  for (const id of wanted.appointmentIds) {
    const r = kept.get(`a:${id}`);
    if (r) records.push(r);
  }
  for (const key of wanted.idempotencyKeys) {
    const r = kept.get(`k:${key}`);
    if (r) records.push(r);
  }
  return withEndedRestored(state, records);
}

describe('a state without its ended appointments', () => {
  it('decides every command, with what it addresses restored, as the whole state does', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 5, maxLength: 60 }), fc.array(probeArb, { minLength: 1, maxLength: 25 }), (steps, probes) => {
        const { state: full, booked } = live(steps);
        const records = endedAppointments(full);
        const kept = new Map<string, EndedAppointment>();
        for (const r of records) {
          kept.set(`a:${r.appointment.id}`, r);
          if (r.idempotency) kept.set(`k:${r.idempotency.key}`, r);
        }
        const without = withoutEnded(full, records) as RegisteredProviderState;
        // Memory holds exactly the live appointments now.
        expect(without.appointments.size).toBe(full.live.size);
        for (const p of probes) {
          const [command, context] = probeCommand(p, booked);
          const restored = restore(without, kept, command, context.actor.id);
          expect(outcome(command, restored, context)).toEqual(outcome(command, full, context));
          // And what a booking answers with (its appointment, a retry's included) is there too.
          if (command.type === 'BookAppointment') {
            const entry = restored.idempotency.get(idempotencyIndexKey(context.actor.id, command.data.idempotencyKey));
            const expected = full.idempotency.get(idempotencyIndexKey(context.actor.id, command.data.idempotencyKey));
            expect(entry).toEqual(expected);
            if (expected) expect(restored.appointments.get(expected.appointmentId)).toEqual(full.appointments.get(expected.appointmentId));
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  const twoCancelled = () =>
    live([
      { kind: 'book', customer: 1, service: 'one', start: NOW + DAY + HOUR, key: 1 },
      { kind: 'book', customer: 2, service: 'one', start: NOW + DAY + 2 * HOUR, key: 1 },
      { kind: 'book', customer: 3, service: 'one', start: NOW + DAY + 3 * HOUR, key: 1 },
      { kind: 'act', what: 'cancel', target: 0, start: 0 },
      { kind: 'act', what: 'cancel', target: 1, start: 0 },
    ]).state;

  it('given ended and live appointments, endedAppointments names the ended ones with the idempotency entries they own', () => {
    const state = twoCancelled();
    expect(endedAppointments(state).map((r) => [r.appointment.id, r.appointment.status, r.idempotency?.key])).toEqual([
      ['appt-0', 'CANCELLED', idempotencyIndexKey('cust-1', 'key-1')],
      ['appt-1', 'CANCELLED', idempotencyIndexKey('cust-2', 'key-1')],
    ]);
  });

  it('given an ended appointment that changed since it was named, withoutEnded lets go only of what is still the same', () => {
    const full = twoCancelled();
    const records = endedAppointments(full);
    // appt-1 changes afterwards (a recorded event; the decider never writes one): memory keeps it.
    const changed = evolve(full, { type: 'AppointmentConfirmed', data: { providerId: full.providerId, appointmentId: 'appt-1', confirmedAt: new Date(NOW).toISOString() } }) as RegisteredProviderState;
    const without = withoutEnded(changed, records) as RegisteredProviderState;
    expect(without.appointments.keys().sort()).toEqual(['appt-1', 'appt-2']);
    // Idempotency entries go whenever they are unchanged: appt-1's too (its entry is restored with its key).
    expect(without.idempotency.has(idempotencyIndexKey('cust-1', 'key-1'))).toBe(false);
    expect(without.idempotency.has(idempotencyIndexKey('cust-2', 'key-1'))).toBe(false);
    expect(without.idempotency.has(idempotencyIndexKey('cust-3', 'key-1'))).toBe(true);
  });

  it('given a state without appt-0, updatedNotHeld names it for recorded events that update it, and folding them restored matches the whole state', () => {
    const full = twoCancelled();
    const without = withoutEnded(full, endedAppointments(full)) as RegisteredProviderState;
    const confirm = (id: string): ProviderEvent => ({ type: 'AppointmentConfirmed', data: { providerId: full.providerId, appointmentId: id, confirmedAt: new Date(NOW).toISOString() } });
    const odd = [confirm('appt-0'), confirm('appt-2'), confirm('appt-0')];
    expect(updatedNotHeld(without, odd)).toEqual(['appt-0']);
    const restored = withEndedRestored(without, endedAppointments(full).filter((r) => r.appointment.id === 'appt-0'));
    expect((evolveAll(odd, restored) as RegisteredProviderState).appointments.get('appt-0')).toEqual((evolveAll(odd, full) as RegisteredProviderState).appointments.get('appt-0'));
  });

  it('given a held appointment, withEndedRestored keeps what memory holds: it is never older', () => {
    const full = twoCancelled();
    const stale = { ...endedAppointments(full)[0] as EndedAppointment, appointment: { ...(full.appointments.get('appt-0') as NonNullable<ReturnType<typeof full.appointments.get>>), notes: 'older' } };
    expect(withEndedRestored(full, [stale]).appointments.get('appt-0')).toBe(full.appointments.get('appt-0'));
  });

  it('keysNotHeld names only what the state does not hold', () => {
    const full = twoCancelled();
    const without = withoutEnded(full, endedAppointments(full)) as RegisteredProviderState;
    const rebook: ProviderCommand = { type: 'BookAppointment', data: { appointmentId: 'appt-0', serviceId: 'one', start: NOW + DAY, idempotencyKey: 'key-1' } };
    expect(keysNotHeld(without, rebook, 'cust-1')).toEqual({ appointmentIds: ['appt-0'], idempotencyKeys: [idempotencyIndexKey('cust-1', 'key-1')] });
    expect(keysNotHeld(full, rebook, 'cust-1')).toEqual({ appointmentIds: [], idempotencyKeys: [] });
    expect(keysNotHeld(without, { type: 'CancelAppointment', data: { appointmentId: 'appt-2' } }, 'cust-3')).toEqual({ appointmentIds: [], idempotencyKeys: [] });
  });
});
