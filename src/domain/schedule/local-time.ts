import { IANAZone } from 'luxon';

const LOCAL_TIME = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/;
const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Minutes after local midnight for `HH:mm` (`24:00` = 1440), or null when malformed. */
export function parseLocalTime(value: string): number | null {
  if (!LOCAL_TIME.test(value)) return null;
  const [h, m] = value.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

/** True for a real calendar date written `YYYY-MM-DD` (rejects 2027-02-30). */
export function isValidLocalDate(value: string): boolean {
  const m = LOCAL_DATE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(Date.UTC(y, mo - 1, d));
  return probe.getUTCFullYear() === y && probe.getUTCMonth() === mo - 1 && probe.getUTCDate() === d;
}

/** True for an IANA zone name the runtime knows (e.g. `Europe/Berlin`); fixed offsets are refused. */
export function isValidTimeZone(value: string): boolean {
  return value.includes('/') || value === 'UTC' ? IANAZone.isValidZone(value) : false;
}
