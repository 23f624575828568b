/**
 * A provider's live appointments as an iCalendar feed (RFC 5545), for GET /ical/<token>.ics.
 * Pure: the same appointments render the same text (every time in it comes from the data).
 *
 * ical-generator writes the calendar; timezones-ical-library supplies the VTIMEZONE of the provider's
 * zone, so times read as wall-clock times there (TZID) and clients show them in the provider's zone.
 * A zone the library does not know is written in UTC instead, and so is an appointment starting or
 * ending in the hour clocks go back (its wall-clock time occurs twice, and readers disagree on which
 * one it means): the instants stay right either way.
 */
import ical, { ICalEventStatus } from 'ical-generator';
import { DateTime } from 'luxon';
import { tzlib_get_ical_block } from 'timezones-ical-library';
import { DAY_MS, MINUTE_MS, ZoneClock } from '../../domain/schedule/zone-clock';

export interface IcalFeedProvider {
  readonly name: string;
  /** IANA zone, e.g. Europe/Berlin. */
  readonly timeZone: string;
}

export interface IcalFeedAppointment {
  readonly id: string;
  readonly summary: string;
  readonly description: string | null;
  /** ISO-8601 instants. */
  readonly start: string;
  readonly end: string;
  readonly status: 'PENDING' | 'CONFIRMED';
  readonly meetingLink: string | null;
  /** When the appointment last changed (DTSTAMP and LAST-MODIFIED). */
  readonly updatedAt: string;
  /** Grows with every change, so clients replace what they have. */
  readonly sequence: number;
}

/** How often subscribed clients should fetch the feed again. */
const REFRESH_SECONDS = 15 * 60;

/** A UID per appointment for its whole life: a client updates the entry it has instead of adding one. */
export const icalFeedUid = (appointmentId: string): string => `${appointmentId}@slotstream`;

export function renderIcalFeed(provider: IcalFeedProvider, appointments: readonly IcalFeedAppointment[]): string {
  const vtimezone = vtimezoneOf(provider.timeZone);
  const clock = ZoneClock.of(provider.timeZone);
  const calendar = ical({
    name: provider.name,
    prodId: { company: 'Slotstream', product: 'Slotstream', language: 'EN' },
    ttl: REFRESH_SECONDS,
    // No calendar-wide zone (ical-generator would then write DTSTAMP as local time, which RFC 5545
    // forbids); each event names the zone, and the generator adds its VTIMEZONE once.
    timezone: { name: null, generator: (zone) => (zone === vtimezone?.tzid ? vtimezone.block : null) },
  });
  for (const appointment of appointments) {
    const at = (iso: string): DateTime => DateTime.fromISO(iso, { zone: 'utc' });
    const local = vtimezone !== null && clock !== null && [appointment.start, appointment.end].every((iso) => unambiguousInZone(clock, Date.parse(iso)));
    calendar.createEvent({
      id: icalFeedUid(appointment.id),
      sequence: appointment.sequence,
      start: at(appointment.start),
      end: at(appointment.end),
      ...(local ? { timezone: vtimezone.tzid } : {}),
      stamp: at(appointment.updatedAt),
      lastModified: at(appointment.updatedAt),
      summary: appointment.summary,
      description: [appointment.description, appointment.meetingLink].filter((line): line is string => line !== null && line !== '').join('\n\n') || null,
      url: appointment.meetingLink,
      status: appointment.status === 'CONFIRMED' ? ICalEventStatus.CONFIRMED : ICalEventStatus.TENTATIVE,
    });
  }
  return calendar.toString();
}

/**
 * True when the wall-clock time of `instant` names it and nothing else. In the hour clocks go back,
 * every wall-clock time occurs twice; RFC 5545 reads the first, some parsers (ical.js) the second.
 */
function unambiguousInZone(clock: ZoneClock, instant: number): boolean {
  const wall = instant + clock.offsetAt(instant);
  if (wall % MINUTE_MS !== 0) return false;
  const day = Math.floor(wall / DAY_MS);
  const minute = (wall - day * DAY_MS) / MINUTE_MS;
  return clock.instantOf(day, minute, 'earliest') === instant && clock.instantOf(day, minute, 'latest') === instant;
}

/** The VTIMEZONE of an IANA zone and the TZID it is known by (aliases such as Europe/Kiev become Europe/Kyiv). */
function vtimezoneOf(zone: string): { readonly tzid: string; readonly block: string } | null {
  const found = tzlib_get_ical_block(zone);
  if (!Array.isArray(found) || found.length < 2) return null;
  const tzid = /^TZID=(.+)$/.exec(found[1] ?? '')?.[1];
  return tzid !== undefined && found[0] ? { tzid, block: found[0] } : null;
}
