/**
 * The provider decider: `decide(command, state, context) -> events`. Pure: the time comes in as
 * `context.now`, the actor as `context.actor`; `state` is only read (see `state.ts` for why reading
 * a `PersistentMap` is safe). A refusal is a thrown `DomainError` with a stable code.
 *
 * Order of checks, as a rule: provider exists -> the thing addressed exists where a stranger may
 * learn that (appointments) -> the actor may act -> input is well-formed -> the transition is legal
 * -> scheduling rules. So a stranger learns nothing from validation messages, and an owner gets the
 * most specific error for a well-formed command.
 */
import type { ProviderEvent } from './events';
import { type ServiceDefinition, defineService, sameDefinition, serviceRulesOf, validServiceFields } from './service-definition';
import { DomainError, validationError } from '../errors';
import type {
  AddScheduleOverride,
  BookAppointment,
  CancelAppointment,
  DeciderContext,
  OfferService,
  ProviderCommand,
  RegisterProvider,
  RescheduleAppointment,
  UpdateProviderProfile,
  UpdateService,
} from './commands';
import { requireBookableSlot, rulesForMove } from './appointment-rules';
import { requireBelowLiveBookingLimit } from './booking-limits';
import {
  idempotencyIndexKey,
  isLive,
  type AppointmentState,
  type ProviderProfile,
  type ProviderState,
  type RegisteredProviderState,
  type ServiceState,
} from './state';
import {
  LIMITS,
  intInRange,
  optionalText,
  validBoolean,
  validIdempotencyKey,
  validInstant,
  validLocalDate,
  validName,
  validTimeZone,
  validWeeklyHours,
  validWindows,
} from './validation';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** ISO-8601 UTC for event payloads. Formatting a given instant; the clock is never read. */
const iso = (ms: number): string => new Date(ms).toISOString();

export function decide(command: ProviderCommand, state: ProviderState, context: DeciderContext): ProviderEvent[] {
  // `now` ends up in event timestamps; refuse one that cannot be formatted rather than crash later.
  validInstant('now', context.now);
  switch (command.type) {
    case 'RegisterProvider':
      return registerProvider(command, state, context);
    case 'UpdateProviderProfile':
      return updateProviderProfile(command, requireRegistered(state), context);
    case 'OfferService':
      return offerService(command, requireRegistered(state), context);
    case 'UpdateService':
      return updateService(command, requireRegistered(state), context);
    case 'RetireService': {
      const s = requireRegistered(state);
      requireOwner(s, context);
      const service = requireService(s, command.data.serviceId);
      if (!service.active) throw invalidTransition(`Service ${service.id} is already retired`);
      return [{ type: 'ServiceRetired', data: { providerId: s.providerId, serviceId: service.id } }];
    }
    case 'SetWeeklyHours': {
      const s = requireRegistered(state);
      requireOwner(s, context);
      const hours = validWeeklyHours('hours', command.data.hours);
      return [{ type: 'WeeklyHoursSet', data: { providerId: s.providerId, hours } }];
    }
    case 'AddScheduleOverride':
      return addScheduleOverride(command, requireRegistered(state), context);
    case 'RemoveScheduleOverride': {
      const s = requireRegistered(state);
      requireOwner(s, context);
      const { overrideId } = command.data;
      if (!s.overrides.has(overrideId)) throw new DomainError('NOT_FOUND', `Schedule override ${overrideId} not found`);
      return [{ type: 'ScheduleOverrideRemoved', data: { providerId: s.providerId, overrideId } }];
    }
    case 'BookAppointment':
      return bookAppointment(command, requireRegistered(state), context);
    case 'ConfirmAppointment': {
      const s = requireRegistered(state);
      const appointment = requireAppointment(s, command.data.appointmentId);
      requireOwner(s, context);
      if (appointment.status !== 'PENDING') {
        throw invalidTransition(`Only a PENDING appointment can be confirmed; this one is ${appointment.status}`);
      }
      return [{
        type: 'AppointmentConfirmed',
        data: { providerId: s.providerId, appointmentId: appointment.id, confirmedAt: iso(context.now) },
      }];
    }
    case 'CancelAppointment':
      return cancelAppointment(command, requireRegistered(state), context);
    case 'RescheduleAppointment':
      return rescheduleAppointment(command, requireRegistered(state), context);
    case 'CompleteAppointment': {
      const s = requireRegistered(state);
      const appointment = requireAfterStartConfirmed(s, command.data.appointmentId, context, 'completed');
      return [{
        type: 'AppointmentCompleted',
        data: { providerId: s.providerId, appointmentId: appointment.id, completedAt: iso(context.now) },
      }];
    }
    case 'MarkNoShow': {
      const s = requireRegistered(state);
      const appointment = requireAfterStartConfirmed(s, command.data.appointmentId, context, 'marked as a no-show');
      return [{
        type: 'AppointmentMarkedNoShow',
        data: { providerId: s.providerId, appointmentId: appointment.id, markedAt: iso(context.now) },
      }];
    }
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}

// ---- Guards ----

const invalidTransition = (message: string): DomainError => new DomainError('INVALID_TRANSITION', message);

function requireRegistered(state: ProviderState): RegisteredProviderState {
  if (state.status !== 'Registered') throw new DomainError('NOT_FOUND', 'Provider not found');
  return state;
}

const isOwnerOrAdmin = (state: RegisteredProviderState, context: DeciderContext): boolean =>
  context.actor.id === state.ownerId || context.actor.role === 'ADMIN';

function requireOwner(state: RegisteredProviderState, context: DeciderContext): void {
  if (!isOwnerOrAdmin(state, context)) {
    throw new DomainError('FORBIDDEN', 'Only the provider owner or an admin may do this');
  }
}

function requireService(state: RegisteredProviderState, serviceId: string): ServiceState {
  const service = state.services.get(serviceId);
  if (service === undefined) throw new DomainError('NOT_FOUND', `Service ${serviceId} not found`);
  return service;
}

function requireAppointment(state: RegisteredProviderState, appointmentId: string): AppointmentState {
  const appointment = state.appointments.get(appointmentId);
  if (appointment === undefined) throw new DomainError('NOT_FOUND', `Appointment ${appointmentId} not found`);
  return appointment;
}

/** The appointment's customer, the provider owner, or an admin (cancel, reschedule). */
function requireParty(state: RegisteredProviderState, appointment: AppointmentState, context: DeciderContext): void {
  if (context.actor.id !== appointment.customerId && !isOwnerOrAdmin(state, context)) {
    throw new DomainError('FORBIDDEN', 'Only the customer, the provider owner or an admin may change this appointment');
  }
}

/** Complete and no-show: owner/admin, CONFIRMED, and the appointment has started. */
function requireAfterStartConfirmed(
  state: RegisteredProviderState,
  appointmentId: string,
  context: DeciderContext,
  what: string,
): AppointmentState {
  const appointment = requireAppointment(state, appointmentId);
  requireOwner(state, context);
  if (appointment.status !== 'CONFIRMED') {
    throw invalidTransition(`Only a CONFIRMED appointment can be ${what}; this one is ${appointment.status}`);
  }
  if (context.now < appointment.start) {
    throw invalidTransition(`The appointment cannot be ${what} before it starts at ${iso(appointment.start)}`);
  }
  return appointment;
}

/** A caller-generated id for something new: a non-empty string of sane length. */
function validNewId(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > LIMITS.id) {
    throw validationError(field, `${field} must be a non-empty id`, value);
  }
  return value;
}

// ---- Provider ----

function registerProvider(command: RegisterProvider, state: ProviderState, context: DeciderContext): ProviderEvent[] {
  if (state.status === 'Registered') throw invalidTransition(`Provider ${state.providerId} is already registered`);
  const d = command.data;
  // Nobody registers a provider owned by someone else (an admin may, e.g. when onboarding).
  if (d.ownerId !== context.actor.id && context.actor.role !== 'ADMIN') {
    throw new DomainError('FORBIDDEN', 'A provider can only be registered for yourself');
  }
  return [{
    type: 'ProviderRegistered',
    data: {
      providerId: validNewId('providerId', d.providerId),
      ownerId: validNewId('ownerId', d.ownerId),
      name: validName('name', d.name),
      kind: optionalText('kind', d.kind, LIMITS.kind),
      bio: optionalText('bio', d.bio, LIMITS.bio),
      timeZone: validTimeZone('timeZone', d.timeZone),
    },
  }];
}

function updateProviderProfile(
  command: UpdateProviderProfile,
  state: RegisteredProviderState,
  context: DeciderContext,
): ProviderEvent[] {
  requireOwner(state, context);
  const d = command.data;
  const current = state.profile;
  const next: ProviderProfile = {
    name: d.name === undefined ? current.name : validName('name', d.name),
    kind: d.kind === undefined ? current.kind : optionalText('kind', d.kind, LIMITS.kind),
    bio: d.bio === undefined ? current.bio : optionalText('bio', d.bio, LIMITS.bio),
    timeZone: d.timeZone === undefined ? current.timeZone : validTimeZone('timeZone', d.timeZone),
  };
  // Nothing changed: record nothing, so a retried or redundant update leaves the stream as it is.
  if (
    next.name === current.name &&
    next.kind === current.kind &&
    next.bio === current.bio &&
    next.timeZone === current.timeZone
  ) {
    return [];
  }
  return [{ type: 'ProviderProfileUpdated', data: { providerId: state.providerId, ...next } }];
}

// ---- Services ----

function offerService(command: OfferService, state: RegisteredProviderState, context: DeciderContext): ProviderEvent[] {
  requireOwner(state, context);
  const { serviceId: id, ...fields } = command.data;
  const serviceId = validNewId('serviceId', id);
  if (state.services.has(serviceId)) throw invalidTransition(`Service ${serviceId} already exists`);
  return [{ type: 'ServiceOffered', data: { providerId: state.providerId, serviceId, ...defineService(fields) } }];
}

function updateService(command: UpdateService, state: RegisteredProviderState, context: DeciderContext): ProviderEvent[] {
  requireOwner(state, context);
  const service = requireService(state, command.data.serviceId);
  if (!service.active) throw invalidTransition(`Service ${service.id} is retired and can no longer be changed`);
  const { serviceId: _id, ...fields } = command.data;
  const next: ServiceDefinition = { ...service.definition, ...validServiceFields(fields) };
  if (sameDefinition(next, service.definition)) return [];
  return [{ type: 'ServiceUpdated', data: { providerId: state.providerId, serviceId: service.id, ...next } }];
}

// ---- Schedule ----

function addScheduleOverride(
  command: AddScheduleOverride,
  state: RegisteredProviderState,
  context: DeciderContext,
): ProviderEvent[] {
  requireOwner(state, context);
  const d = command.data;
  const overrideId = validNewId('overrideId', d.overrideId);
  if (state.overrides.has(overrideId)) throw invalidTransition(`Schedule override ${overrideId} already exists`);
  const date = validLocalDate('date', d.date);
  const blocked = validBoolean('blocked', d.blocked);
  const windows = validWindows('windows', d.windows ?? []);
  if (!blocked && windows.length === 0) {
    throw validationError('windows', 'An override that adds working time needs at least one window', d.windows ?? []);
  }
  const reason = optionalText('reason', d.reason, LIMITS.reason);
  return [{
    type: 'ScheduleOverrideAdded',
    data: { providerId: state.providerId, overrideId, date, blocked, windows, reason },
  }];
}

// ---- Appointments ----

function bookAppointment(command: BookAppointment, state: RegisteredProviderState, context: DeciderContext): ProviderEvent[] {
  const { actor, now } = context;
  if (actor.role !== 'CUSTOMER' && actor.role !== 'ADMIN') {
    throw new DomainError('FORBIDDEN', 'Only customers (or admins) can book appointments');
  }
  const d = command.data;
  const idempotencyKey = validIdempotencyKey('idempotencyKey', d.idempotencyKey);
  const start = validInstant('start', d.start);
  const notes = optionalText('notes', d.notes, LIMITS.notes);

  // A retry of a request that already succeeded: nothing new happens; the caller returns the
  // appointment it produced (`findAppointmentByIdempotencyKey`), whatever has happened to it since.
  const earlier = state.idempotency.get(idempotencyIndexKey(actor.id, idempotencyKey));
  if (earlier !== undefined) {
    if (earlier.serviceId === d.serviceId && earlier.start === start) return [];
    throw validationError(
      'idempotencyKey',
      'This idempotency key was already used for a different booking',
      idempotencyKey,
    );
  }

  const appointmentId = validNewId('appointmentId', d.appointmentId);
  if (state.appointments.has(appointmentId)) throw invalidTransition(`Appointment ${appointmentId} already exists`);
  const service = requireService(state, d.serviceId);
  if (!service.active) throw validationError('serviceId', 'The service is retired', d.serviceId);

  requireBelowLiveBookingLimit(state.live.values(), actor.id, now, d.maxLiveBookings);
  const rules = serviceRulesOf(service.id, service.definition);
  requireBookableSlot(state, rules, start, now);
  const def = service.definition;
  return [{
    type: 'AppointmentBooked',
    data: {
      providerId: state.providerId,
      appointmentId,
      serviceId: service.id,
      customerId: actor.id,
      start: iso(start),
      end: iso(start + def.durationMinutes * MINUTE_MS),
      bufferBeforeMinutes: def.bufferBeforeMinutes,
      bufferAfterMinutes: def.bufferAfterMinutes,
      capacity: def.capacity,
      cancellationWindowHours: def.cancellationWindowHours,
      price: def.price,
      status: def.requiresConfirmation ? 'PENDING' : 'CONFIRMED',
      notes,
      idempotencyKey,
      bookedAt: iso(now),
    },
  }];
}

function cancelAppointment(command: CancelAppointment, state: RegisteredProviderState, context: DeciderContext): ProviderEvent[] {
  const appointment = requireAppointment(state, command.data.appointmentId);
  requireParty(state, appointment, context);
  const reason = optionalText('reason', command.data.reason, LIMITS.reason);
  if (!isLive(appointment.status)) {
    throw invalidTransition(`Only a PENDING or CONFIRMED appointment can be cancelled; this one is ${appointment.status}`);
  }
  // Late = inside the window before the start; exactly at the window's opening still counts as on time.
  const late = context.now > appointment.start - appointment.cancellationWindowHours * HOUR_MS;
  return [{
    type: 'AppointmentCancelled',
    data: {
      providerId: state.providerId,
      appointmentId: appointment.id,
      cancelledBy: context.actor.id,
      cancelledByRole: context.actor.role,
      reason,
      late,
      cancelledAt: iso(context.now),
    },
  }];
}

function rescheduleAppointment(
  command: RescheduleAppointment,
  state: RegisteredProviderState,
  context: DeciderContext,
): ProviderEvent[] {
  const appointment = requireAppointment(state, command.data.appointmentId);
  requireParty(state, appointment, context);
  const newStart = validInstant('newStart', command.data.newStart);
  if (!isLive(appointment.status)) {
    throw invalidTransition(`Only a PENDING or CONFIRMED appointment can be rescheduled; this one is ${appointment.status}`);
  }
  if (newStart === appointment.start) {
    throw validationError('newStart', 'The new start is the current start', newStart);
  }
  // The service may have been retired since booking: the appointment still exists and can move
  // within the service's last rules; retirement only stops new bookings.
  const service = requireService(state, appointment.serviceId);
  const rules = rulesForMove(serviceRulesOf(service.id, service.definition), appointment);
  requireBookableSlot(state, rules, newStart, context.now, appointment);
  return [{
    type: 'AppointmentRescheduled',
    data: {
      providerId: state.providerId,
      appointmentId: appointment.id,
      previousStart: iso(appointment.start),
      previousEnd: iso(appointment.end),
      start: iso(newStart),
      end: iso(newStart + (appointment.end - appointment.start)),
      rescheduledBy: context.actor.id,
      rescheduledAt: iso(context.now),
    },
  }];
}
