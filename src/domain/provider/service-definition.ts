/**
 * What a service is: its definition (the fields a provider sets), their defaults, how each is
 * validated, and the rules the slot engine takes from it. Written once here, so a new service field
 * is one entry of `SERVICE_FIELDS` (plus its GraphQL type and input): the decider, `evolve`, the
 * snapshot, the read model (a jsonb document) and availability all follow from this table.
 */
import type { ServiceRules } from '../schedule/types';
import type { Money } from './money';
import { LIMITS, intInRange, validBoolean, validName, validPrice } from './validation';

export interface ServiceDefinition {
  readonly name: string;
  readonly durationMinutes: number;
  readonly bufferBeforeMinutes: number;
  readonly bufferAfterMinutes: number;
  readonly slotIntervalMinutes: number;
  readonly minNoticeMinutes: number;
  readonly maxAdvanceDays: number;
  readonly cancellationWindowHours: number;
  readonly capacity: number;
  readonly requiresConfirmation: boolean;
  readonly virtual: boolean;
  readonly price: Money | null;
}

/** The fields a command may carry: name and duration required when offering, everything optional on update. */
export type ServiceFields = Pick<ServiceDefinition, 'name' | 'durationMinutes'> & Partial<Omit<ServiceDefinition, 'name' | 'durationMinutes'>>;

interface FieldRule<K extends keyof ServiceDefinition> {
  /** The value when an offer leaves it out; given the fields already settled (name and duration first). */
  readonly fallback: (settled: Pick<ServiceDefinition, 'name' | 'durationMinutes'>) => ServiceDefinition[K];
  /** The value, validated and normalised, or a VALIDATION_FAILED DomainError naming `field`. */
  readonly valid: (field: string, value: unknown) => ServiceDefinition[K];
  /** Equality for `sameDefinition` (default: ===). */
  readonly same?: (a: ServiceDefinition[K], b: ServiceDefinition[K]) => boolean;
}

type FieldRules = { readonly [K in keyof ServiceDefinition]: FieldRule<K> };

const required = (field: string): never => {
  throw new Error(`${field} has no default: the offer must carry it`);
};

/** Every service field, in the order events and answers list them. */
export const SERVICE_FIELDS: FieldRules = {
  name: { fallback: () => required('name'), valid: validName },
  durationMinutes: { fallback: () => required('durationMinutes'), valid: (f, v) => intInRange(f, v, LIMITS.durationMinutes) },
  bufferBeforeMinutes: { fallback: () => 0, valid: (f, v) => intInRange(f, v, LIMITS.bufferMinutes) },
  bufferAfterMinutes: { fallback: () => 0, valid: (f, v) => intInRange(f, v, LIMITS.bufferMinutes) },
  slotIntervalMinutes: { fallback: (s) => s.durationMinutes, valid: (f, v) => intInRange(f, v, LIMITS.slotIntervalMinutes) },
  minNoticeMinutes: { fallback: () => 0, valid: (f, v) => intInRange(f, v, LIMITS.minNoticeMinutes) },
  maxAdvanceDays: { fallback: () => 90, valid: (f, v) => intInRange(f, v, LIMITS.maxAdvanceDays) },
  cancellationWindowHours: { fallback: () => 24, valid: (f, v) => intInRange(f, v, LIMITS.cancellationWindowHours) },
  capacity: { fallback: () => 1, valid: (f, v) => intInRange(f, v, LIMITS.capacity) },
  requiresConfirmation: { fallback: () => false, valid: validBoolean },
  virtual: { fallback: () => false, valid: validBoolean },
  price: {
    fallback: () => null,
    valid: validPrice,
    same: (a, b) => a === b || (a !== null && b !== null && a.amountMinor === b.amountMinor && a.currency === b.currency),
  },
};

export const SERVICE_FIELD_NAMES = Object.keys(SERVICE_FIELDS) as ReadonlyArray<keyof ServiceDefinition>;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The fields present in `fields` (`undefined` = not given), validated and normalised. */
export function validServiceFields(fields: Readonly<Record<string, unknown>>): Partial<ServiceDefinition> {
  const out: Partial<Mutable<ServiceDefinition>> = {};
  for (const key of SERVICE_FIELD_NAMES) {
    const value = fields[key];
    if (value !== undefined) (out as Record<string, unknown>)[key] = SERVICE_FIELDS[key].valid(key, value);
  }
  return out;
}

/** A new service's definition: the fields given, validated, and the defaults for the rest. */
export function defineService(fields: Readonly<Record<string, unknown>>): ServiceDefinition {
  const given = validServiceFields({ ...fields, name: fields.name ?? null, durationMinutes: fields.durationMinutes ?? null });
  const settled = { name: given.name as string, durationMinutes: given.durationMinutes as number };
  const out: Record<string, unknown> = {};
  for (const key of SERVICE_FIELD_NAMES) out[key] = given[key] !== undefined ? given[key] : SERVICE_FIELDS[key].fallback(settled);
  return out as unknown as ServiceDefinition;
}

/** Only the definition's own fields of `value` (an event payload carries more), so nothing else rides along into state. */
export function definitionOf(value: ServiceDefinition): ServiceDefinition {
  const out: Record<string, unknown> = {};
  for (const key of SERVICE_FIELD_NAMES) out[key] = value[key];
  return out as unknown as ServiceDefinition;
}

export function sameDefinition(a: ServiceDefinition, b: ServiceDefinition): boolean {
  return SERVICE_FIELD_NAMES.every((key) => {
    const same = SERVICE_FIELDS[key].same as ((x: unknown, y: unknown) => boolean) | undefined;
    return same ? same(a[key], b[key]) : a[key] === b[key];
  });
}

/** The parts of a definition that decide where the service can be booked: for the decider and for availability alike. */
export function serviceRulesOf(id: string, d: ServiceDefinition): ServiceRules {
  return {
    id,
    durationMinutes: d.durationMinutes,
    bufferBeforeMinutes: d.bufferBeforeMinutes,
    bufferAfterMinutes: d.bufferAfterMinutes,
    slotIntervalMinutes: d.slotIntervalMinutes,
    minNoticeMinutes: d.minNoticeMinutes,
    maxAdvanceDays: d.maxAdvanceDays,
    capacity: d.capacity,
  };
}
