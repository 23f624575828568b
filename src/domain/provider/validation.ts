/**
 * Input validation for provider commands. Every refusal is `VALIDATION_FAILED` with the `field` named
 * as in the GraphQL input (`durationMinutes`, `hours[0].windows[1].end`) and the offending `value`,
 * so a client can point at the exact input that was wrong.
 *
 * Checks are written for values of any runtime type: commands are typed, but they also arrive from
 * reactors and scripts, and bad input must end as a clear error, never as an internal one.
 */
import type { Money } from './money';
import { validationError } from '../errors';
import { requireStorableText } from '../storable-text';
import { isValidLocalDate, isValidTimeZone, parseLocalTime } from '../schedule/local-time';
import { WEEKDAYS, type LocalWindow, type Weekday, type WeeklyHours } from '../schedule/types';
import { MAX_INSTANT_MS } from '../instants';

export const LIMITS = {
  name: 200,
  bio: 2000,
  kind: 60,
  notes: 2000,
  reason: 500,
  idempotencyKey: 200,
  /** Caller-generated ids (providerId, serviceId, appointmentId, ...). */
  id: 200,
  durationMinutes: { min: 5, max: 1440 },
  bufferMinutes: { min: 0, max: 1440 },
  slotIntervalMinutes: { min: 5, max: 1440 },
  minNoticeMinutes: { min: 0, max: 525_600 },
  maxAdvanceDays: { min: 1, max: 3650 },
  cancellationWindowHours: { min: 0, max: 8760 },
  capacity: { min: 1, max: 10_000 },
  amountMinor: { min: 0, max: 2 ** 31 - 1 },
} as const;

/** Length in characters (code points), not UTF-16 units, so an emoji counts once. */
const charLength = (value: string): number => {
  let n = 0;
  for (const _ of value) n++;
  return n;
};

/** A required display name: trimmed, non-empty, at most 200 characters. Returns the trimmed name. */
export function validName(field: string, value: unknown): string {
  if (typeof value !== 'string') throw validationError(field, `${field} must be a string`, value);
  const trimmed = value.trim();
  if (trimmed.length === 0) throw validationError(field, `${field} must not be empty`, value);
  if (charLength(trimmed) > LIMITS.name) {
    throw validationError(field, `${field} must be at most ${LIMITS.name} characters`, value);
  }
  return requireStorableText(field, trimmed);
}

/** Optional free text: `null`/`undefined` pass through as `null`; a string must fit `max` characters. */
export function optionalText(field: string, value: unknown, max: number): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw validationError(field, `${field} must be a string`, value);
  if (charLength(value) > max) throw validationError(field, `${field} must be at most ${max} characters`, value);
  return requireStorableText(field, value);
}

export function validTimeZone(field: string, value: unknown): string {
  if (typeof value !== 'string' || !isValidTimeZone(value)) {
    throw validationError(field, `${field} must be an IANA time zone such as Europe/Berlin`, value);
  }
  return value;
}

export function intInRange(field: string, value: unknown, range: { readonly min: number; readonly max: number }): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > range.max) {
    throw validationError(field, `${field} must be an integer from ${range.min} to ${range.max}`, value);
  }
  return value;
}

export function validBoolean(field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw validationError(field, `${field} must be true or false`, value);
  return value;
}

/** An instant in epoch ms that a Date can represent (so formatting it can never throw). */
export function validInstant(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || Math.abs(value) > MAX_INSTANT_MS) {
    throw validationError(field, `${field} must be a valid instant`, value);
  }
  return value;
}

let currencies: ReadonlySet<string> | undefined;
/** ISO 4217 codes the runtime knows; built once, on first use. */
const knownCurrencies = (): ReadonlySet<string> => (currencies ??= new Set(Intl.supportedValuesOf('currency')));

export function validPrice(field: string, value: unknown): Money | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object') throw validationError(field, `${field} must be an amount and a currency`, value);
  const { amountMinor, currency } = value as { amountMinor?: unknown; currency?: unknown };
  const amount = intInRange(`${field}.amountMinor`, amountMinor, LIMITS.amountMinor);
  if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency) || !knownCurrencies().has(currency)) {
    throw validationError(`${field}.currency`, `${field}.currency must be an ISO 4217 code such as EUR`, currency);
  }
  return { amountMinor: amount, currency };
}

export function validIdempotencyKey(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || charLength(value) > LIMITS.idempotencyKey) {
    throw validationError(field, `${field} must be 1 to ${LIMITS.idempotencyKey} characters`, value);
  }
  return requireStorableText(field, value);
}

export function validLocalDate(field: string, value: unknown): string {
  if (typeof value !== 'string' || !isValidLocalDate(value)) {
    throw validationError(field, `${field} must be a calendar date written YYYY-MM-DD`, value);
  }
  return value;
}

/**
 * Local windows of one weekday or one override: each `HH:mm` (end may be `24:00`), end after start,
 * none overlapping another (touching is fine: 09:00–12:00 and 12:00–13:00). Returns them sorted by start.
 */
export function validWindows(field: string, value: unknown): LocalWindow[] {
  if (!Array.isArray(value)) throw validationError(field, `${field} must be a list of time windows`, value);
  const parsed = value.map((w: unknown, i) => {
    const at = `${field}[${i}]`;
    if (typeof w !== 'object' || w === null) throw validationError(at, `${at} must be a time window`, w);
    const { start, end } = w as { start?: unknown; end?: unknown };
    const startMin = typeof start === 'string' && start !== '24:00' ? parseLocalTime(start) : null;
    if (startMin === null) throw validationError(`${at}.start`, `${at}.start must be a time written HH:mm`, start);
    const endMin = typeof end === 'string' ? parseLocalTime(end) : null;
    if (endMin === null) throw validationError(`${at}.end`, `${at}.end must be a time written HH:mm (or 24:00)`, end);
    if (endMin <= startMin) throw validationError(`${at}.end`, `${at}.end must be after its start`, end);
    return { index: i, startMin, endMin, window: { start: start as string, end: end as string } };
  });
  const sorted = [...parsed].sort((a, b) => a.startMin - b.startMin || a.index - b.index);
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1];
    const current = sorted[i];
    if (previous !== undefined && current !== undefined && current.startMin < previous.endMin) {
      // Name the window that appears later in the input: that is the one the user most likely added wrongly.
      const [a, b] = previous.index < current.index ? [previous, current] : [current, previous];
      const at = `${field}[${b.index}]`;
      throw validationError(at, `${at} overlaps ${a.window.start}–${a.window.end}`, b.window);
    }
  }
  return sorted.map((p) => p.window);
}

/** Weekly hours: known weekdays, each at most once; windows as in `validWindows`. Sorted Monday first. */
export function validWeeklyHours(field: string, value: unknown): WeeklyHours[] {
  if (!Array.isArray(value)) throw validationError(field, `${field} must be a list`, value);
  const seen = new Set<Weekday>();
  const result = value.map((entry: unknown, i): WeeklyHours => {
    const at = `${field}[${i}]`;
    if (typeof entry !== 'object' || entry === null) throw validationError(at, `${at} must be a weekday with windows`, entry);
    const { weekday, windows } = entry as { weekday?: unknown; windows?: unknown };
    const day = WEEKDAYS.find((d) => d === weekday);
    if (day === undefined) throw validationError(`${at}.weekday`, `${at}.weekday must be one of ${WEEKDAYS.join(', ')}`, weekday);
    if (seen.has(day)) throw validationError(`${at}.weekday`, `${day} appears more than once`, weekday);
    seen.add(day);
    return { weekday: day, windows: validWindows(`${at}.windows`, windows) };
  });
  return result.sort((a, b) => WEEKDAYS.indexOf(a.weekday) - WEEKDAYS.indexOf(b.weekday));
}
