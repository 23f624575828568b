/**
 * The calendar port: what connecting, syncing in, syncing out and push notifications need from an
 * outside calendar. Google is the one adapter today; the shapes are Google-neutral so that Microsoft
 * Graph (delta links, subscriptions, Teams links) or CalDAV (sync-collection, ctag polling) is another
 * adapter, not a rewrite: see docs/ARCHITECTURE.md, "Integrations: payments and calendars".
 *
 * Instants are ISO-8601 UTC strings, as in our events. Tokens are handed in and out, never stored
 * here: the caller keeps them sealed (src/security/secret-box.ts) and persists refreshed ones.
 */

export type CalendarKind = 'GOOGLE';

/** OAuth credentials of one connection. */
export interface CalendarTokens {
  readonly accessToken: string;
  readonly refreshToken: string;
  /** Epoch ms when the access token stops working; null = unknown (refreshed on the first 401). */
  readonly expiresAt: number | null;
  /** The scopes granted, space-separated. */
  readonly scope: string | null;
}

/** The calendar a new connection syncs with. */
export interface CalendarAccount {
  readonly accountEmail: string | null;
  readonly calendarId: string;
  /** The calendar's own zone: all-day events are busy for their whole day there. */
  readonly timeZone: string;
}

/** One external event's effect on availability: busy for an interval, or (no longer) busy at all. */
export interface BusyChange {
  readonly externalId: string;
  /** null: deleted, cancelled, free (transparent), declined, or one of our own appointments. */
  readonly busy: { readonly start: string; readonly end: string } | null;
}

export interface BusyChanges {
  /**
   * `full`: `changes` is every busy event of the calendar (first sync, or the sync token expired):
   * replace what was kept. `incremental`: only what changed since the sync token given.
   */
  readonly mode: 'full' | 'incremental';
  readonly changes: readonly BusyChange[];
  /** Hand it to the next call for the changes after this one. */
  readonly nextSyncToken: string;
}

/** One appointment as an event of the provider's calendar. */
export interface AppointmentCalendarEvent {
  readonly appointmentId: string;
  readonly summary: string;
  readonly description: string | null;
  readonly start: string;
  readonly end: string;
  /** The provider's zone, so the calendar shows the event there. */
  readonly timeZone: string;
  /** A virtual service: ask the calendar for a video meeting (Google Meet). */
  readonly requestMeeting: boolean;
}

export interface SyncedAppointmentEvent {
  readonly externalEventId: string;
  /** The meeting's address, when one was asked for and the calendar made it. */
  readonly meetingLink: string | null;
}

/** A push channel: the calendar posts to `address` when something changes, until `expiresAt`. */
export interface PushChannel {
  readonly channelId: string;
  /** The calendar's id for what is watched; needed to stop the channel. */
  readonly resourceId: string;
  readonly expiresAt: number;
}

/** What a push notification says, read from its request; the caller checks channel and token. */
export interface PushNotification {
  readonly channelId: string;
  readonly token: string | null;
  readonly resourceId: string | null;
  /** `sync`: the channel was just opened (nothing changed); otherwise something may have changed. */
  readonly state: 'sync' | 'changed';
}

/** The OAuth side, before and after a connection exists. */
export interface CalendarAuthorization {
  /** Where the owner's browser goes to grant access (offline access, calendar scopes, our `state`). */
  consentUrl(state: string): string;
  /** Trades the code from the callback for tokens, and names the calendar to sync. */
  exchangeCode(code: string): Promise<{ readonly tokens: CalendarTokens; readonly account: CalendarAccount }>;
  /** Withdraws the grant; a grant already withdrawn is not an error. */
  revoke(tokens: CalendarTokens): Promise<void>;
}

export interface CalendarProvider extends CalendarAuthorization {
  readonly kind: CalendarKind;
  /**
   * A client for one connection. Tokens refreshed on the way (expired, or a 401 answered) are handed
   * to `onTokensRefreshed`, awaited before the call that caused them returns, so the caller persists them.
   */
  connect(tokens: CalendarTokens, onTokensRefreshed: (tokens: CalendarTokens) => Promise<void> | void): CalendarClient;
  /** Reads a push notification's headers; null when they are not one. */
  readPushNotification(headers: Readonly<Record<string, string | readonly string[] | undefined>>): PushNotification | null;
}

/**
 * Calls for one connection. Failures are CalendarErrors: CalendarNeedsReauthError (the connection
 * becomes NEEDS_REAUTH), CalendarUnavailableError (retry later), CalendarRejectedError.
 */
export interface CalendarClient {
  /** Refreshes the access token now. */
  refresh(): Promise<CalendarTokens>;
  /** Busy time since `syncToken` (null: everything); an expired token falls back to a full sync by itself. */
  listBusyChanges(calendarId: string, syncToken: string | null): Promise<BusyChanges>;
  /** Creates the appointment's event, or updates the one already there: never a second event. */
  upsertAppointmentEvent(calendarId: string, event: AppointmentCalendarEvent): Promise<SyncedAppointmentEvent>;
  /** Deletes the appointment's event; one already gone is not an error. */
  deleteAppointmentEvent(calendarId: string, appointmentId: string): Promise<void>;
  openChannel(calendarId: string, channel: { readonly channelId: string; readonly token: string; readonly address: string; readonly ttlSeconds: number }): Promise<PushChannel>;
  /** Stops a channel; one already gone is not an error. */
  stopChannel(channel: { readonly channelId: string; readonly resourceId: string }): Promise<void>;
}

/** Base of every failure a calendar client reports. `retryable`: the same call later may succeed. */
export abstract class CalendarError extends Error {
  abstract readonly retryable: boolean;
  constructor(
    message: string,
    /** The calendar's HTTP status, when it answered. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The grant is gone (`invalid_grant`: revoked by the owner, or expired): the connection needs the owner to connect again. */
export class CalendarNeedsReauthError extends CalendarError {
  readonly retryable = false;
  override readonly name = 'CalendarNeedsReauthError';
}

/** The calendar could not be reached or failed (network, timeout, 5xx, rate limits): retry later. */
export class CalendarUnavailableError extends CalendarError {
  readonly retryable = true;
  override readonly name = 'CalendarUnavailableError';
}

/** The calendar refused the request itself (not found, forbidden, invalid): retrying cannot help. */
export class CalendarRejectedError extends CalendarError {
  readonly retryable = false;
  override readonly name = 'CalendarRejectedError';
}
