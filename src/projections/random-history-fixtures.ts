/**
 * A long, random but reproducible provider history, made the way production makes it: commands
 * decided by the real decider through the real command handler (decide + evolve + hash chain).
 * Commands the decider refuses (slot taken, illegal transition, ...) are simply skipped.
 */
import { randomUUID } from 'node:crypto';
import { DomainError } from '../domain/errors';
import type { ProviderCommand } from '../domain/provider';
import type { ActorRole } from '../domain/provider/events';
import { mulberry32 } from '../../test/support/seeded-random';
import type { Fixture } from './read-side-fixtures';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Monday 1 March 2027, 06:00 UTC. */
export const HISTORY_START = Date.parse('2027-03-01T06:00:00Z');

export interface RandomProvider {
  readonly providerId: string;
  readonly ownerId: string;
  readonly services: string[];
  readonly appointments: Array<{ id: string; customerId: string; start: number }>;
  readonly overrides: string[];
}

export interface RandomHistory {
  readonly providers: RandomProvider[];
  /** Commands that appended events. */
  readonly accepted: number;
  /** The logical clock after the last command. */
  readonly now: number;
  /** Run `count` more random commands (e.g. while a rebuild runs). */
  more(count: number): Promise<void>;
}

const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata'];
const WEEKDAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'] as const;

export async function randomHistory(f: Fixture, options: { seed: number; providers: number; commands: number }): Promise<RandomHistory> {
  const random = mulberry32(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  let now = HISTORY_START;
  let accepted = 0;
  const providers: RandomProvider[] = [];

  const run = async (p: RandomProvider, command: ProviderCommand, actor: { id: string; role: ActorRole }): Promise<boolean> => {
    try {
      const position = await f.run(p.providerId, command, { actor, now });
      if (position !== null) accepted++;
      return position !== null;
    } catch (err) {
      if (err instanceof DomainError) return false;
      throw err;
    }
  };
  const owner = (p: RandomProvider) => ({ id: p.ownerId, role: 'PROVIDER' as const });

  for (let i = 0; i < options.providers; i++) {
    const p: RandomProvider = { providerId: randomUUID(), ownerId: `owner-${i}-${randomUUID().slice(0, 4)}`, services: [randomUUID(), randomUUID()], appointments: [], overrides: [] };
    providers.push(p);
    await run(p, { type: 'RegisterProvider', data: { providerId: p.providerId, ownerId: p.ownerId, name: `Provider ${i}`, kind: 'VET', bio: null, timeZone: pick(ZONES) } }, owner(p));
    await run(p, { type: 'OfferService', data: { serviceId: p.services[0] as string, name: 'Checkup', durationMinutes: 30, bufferAfterMinutes: 10, price: { amountMinor: 5000, currency: 'EUR' } } }, owner(p));
    await run(p, { type: 'OfferService', data: { serviceId: p.services[1] as string, name: 'Class', durationMinutes: 60, capacity: 3, slotIntervalMinutes: 60, requiresConfirmation: true, price: { amountMinor: 1500, currency: 'USD' } } }, owner(p));
    await run(p, { type: 'SetWeeklyHours', data: { hours: WEEKDAYS.map((weekday) => ({ weekday, windows: [{ start: '08:00', end: '12:00' }, { start: '13:00', end: '18:00' }] })) } }, owner(p));
  }

  const step = async (): Promise<void> => {
    now += Math.floor(random() * 20) * MINUTE;
    const p = pick(providers);
    const roll = random();
    const appointment = p.appointments.length > 0 ? pick(p.appointments) : null;
    if (roll < 0.45 || appointment === null) {
      // Book a grid start in the next ten days (many collide: that is the point).
      const customerId = `cust-${Math.floor(random() * 6)}`;
      const serviceId = pick(p.services);
      const start = Math.ceil((now + HOUR + random() * 10 * DAY) / (30 * MINUTE)) * 30 * MINUTE;
      const id = randomUUID();
      if (await run(p, { type: 'BookAppointment', data: { appointmentId: id, serviceId, start, idempotencyKey: id } }, { id: customerId, role: 'CUSTOMER' })) {
        p.appointments.push({ id, customerId, start });
      }
    } else if (roll < 0.55) {
      await run(p, { type: 'ConfirmAppointment', data: { appointmentId: appointment.id } }, owner(p));
    } else if (roll < 0.67) {
      await run(p, { type: 'CancelAppointment', data: { appointmentId: appointment.id, reason: random() < 0.5 ? 'changed plans' : null } }, { id: appointment.customerId, role: 'CUSTOMER' });
    } else if (roll < 0.77) {
      const newStart = appointment.start + (Math.floor(random() * 8) - 4) * 30 * MINUTE;
      if (await run(p, { type: 'RescheduleAppointment', data: { appointmentId: appointment.id, newStart } }, { id: appointment.customerId, role: 'CUSTOMER' })) {
        appointment.start = newStart;
      }
    } else if (roll < 0.85) {
      // Jump the clock past the appointment, then complete it or mark a no-show.
      if (appointment.start > now) now = appointment.start + 5 * MINUTE;
      const type = random() < 0.7 ? 'CompleteAppointment' : 'MarkNoShow';
      await run(p, { type, data: { appointmentId: appointment.id } }, owner(p));
    } else if (roll < 0.9) {
      const overrideId = randomUUID();
      const date = new Date(now + Math.floor(random() * 10) * DAY).toISOString().slice(0, 10);
      const blocked = random() < 0.6;
      if (await run(p, { type: 'AddScheduleOverride', data: { overrideId, date, blocked, windows: blocked && random() < 0.5 ? [] : [{ start: '18:00', end: '20:00' }], reason: 'random' } }, owner(p))) {
        p.overrides.push(overrideId);
      }
    } else if (roll < 0.93 && p.overrides.length > 0) {
      const overrideId = pick(p.overrides);
      if (await run(p, { type: 'RemoveScheduleOverride', data: { overrideId } }, owner(p))) p.overrides.splice(p.overrides.indexOf(overrideId), 1);
    } else if (roll < 0.96) {
      await run(p, { type: 'UpdateService', data: { serviceId: pick(p.services), bufferBeforeMinutes: Math.floor(random() * 3) * 5, price: { amountMinor: 1000 + Math.floor(random() * 9000), currency: 'EUR' } } }, owner(p));
    } else if (roll < 0.98) {
      await run(p, { type: 'UpdateProviderProfile', data: { timeZone: pick(ZONES), bio: `bio ${Math.floor(random() * 100)}` } }, owner(p));
    } else if (roll < 0.996) {
      await run(p, { type: 'SetWeeklyHours', data: { hours: WEEKDAYS.slice(0, 3 + Math.floor(random() * 4)).map((weekday) => ({ weekday, windows: [{ start: '07:00', end: '19:00' }] })) } }, owner(p));
    } else {
      await run(p, { type: 'RetireService', data: { serviceId: pick(p.services) } }, owner(p));
    }
  };

  for (let i = 0; i < options.commands; i++) await step();
  return {
    providers,
    get accepted() {
      return accepted;
    },
    get now() {
      return now;
    },
    more: async (count) => {
      for (let i = 0; i < count; i++) await step();
    },
  };
}
