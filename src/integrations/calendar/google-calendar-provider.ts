import { calendar_v3 } from '@googleapis/calendar';
import { type Credentials, OAuth2Client } from 'google-auth-library';
import {
  type AppointmentCalendarEvent,
  type BusyChange,
  type BusyChanges,
  type CalendarAccount,
  type CalendarClient,
  type CalendarProvider,
  type CalendarTokens,
  type PushChannel,
  type PushNotification,
  type SyncedAppointmentEvent,
  CalendarError,
  CalendarNeedsReauthError,
  CalendarRejectedError,
  CalendarUnavailableError,
} from './calendar-provider';
import { busyChangeOf, googleEventFor, googleEventIdFor, meetingLinkOf } from './google-events';

export interface GoogleCalendarOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
  readonly authUrl: string;
  readonly tokenUrl: string;
  readonly revokeUrl: string;
  /** googleapis `rootUrl` (GOOGLE_API_BASE). */
  readonly apiBase: string;
  readonly timeoutMs?: number;
}

/** Read and write events, and read the calendar's zone and address. Nothing else of the account. */
export const GOOGLE_SCOPES = ['https://www.googleapis.com/auth/calendar.events', 'https://www.googleapis.com/auth/calendar.readonly'] as const;

/** The most events Google answers per page: a 5,000-event calendar is two calls. */
const PAGE_SIZE = 2500;
/** Google answers in well under a second; a sync job must not hang on a silent connection. */
const GOOGLE_TIMEOUT_MS = 20_000;

/**
 * The calendar port on Google: `@googleapis/calendar` for the Calendar API, google-auth-library's
 * OAuth2Client for consent, code exchange, refresh and revocation, every endpoint from configuration.
 *
 * Retries: none inside the SDK for API calls (the sync and sync-out jobs retry with backoff and count
 * attempts; an insert retried blindly could not be told apart from a duplicate anyway). The one retry
 * kept is the library's: a 401 refreshes the access token once and repeats the call
 * (`forceRefreshOnFailure`), and a refresh refused with `invalid_grant` is CalendarNeedsReauthError.
 */
export class GoogleCalendarProvider implements CalendarProvider {
  readonly kind = 'GOOGLE' as const;

  constructor(private readonly options: GoogleCalendarOptions) {}

  consentUrl(state: string): string {
    return this.oauthClient().generateAuthUrl({
      access_type: 'offline',
      // Always show the consent screen, so Google issues a refresh token even to an account that connected before.
      prompt: 'consent',
      include_granted_scopes: true,
      scope: [...GOOGLE_SCOPES],
      state,
    });
  }

  async exchangeCode(code: string): Promise<{ readonly tokens: CalendarTokens; readonly account: CalendarAccount }> {
    const oauth = this.oauthClient();
    const { tokens: credentials } = await guarded(() => oauth.getToken({ code, redirect_uri: this.options.redirectUri })).catch((err: unknown) => {
      // invalid_grant here is about the code (used, expired, another redirect), not a grant that was withdrawn.
      throw err instanceof CalendarNeedsReauthError ? new CalendarRejectedError(err.message, err.status) : err;
    });
    if (!credentials.refresh_token) throw new CalendarRejectedError('Google granted no refresh token: offline access was not given');
    const missing = GOOGLE_SCOPES.filter((scope) => !(credentials.scope ?? '').split(' ').includes(scope));
    if (missing.length > 0) throw new CalendarRejectedError(`Google access was granted without ${missing.join(' and ')}: connect again and allow calendar access`);
    const tokens = tokensOf(credentials, null);
    oauth.setCredentials(credentials);
    const { data } = await guarded(() => this.api(oauth).calendars.get({ calendarId: 'primary' }));
    if (!data.id) throw new CalendarRejectedError('Google answered a calendar without an id');
    return { tokens, account: { accountEmail: data.id.includes('@') ? data.id : null, calendarId: data.id, timeZone: data.timeZone ?? 'UTC' } };
  }

  async revoke(tokens: CalendarTokens): Promise<void> {
    try {
      // Revoking the refresh token withdraws the whole grant, access tokens included.
      await guarded(() => this.oauthClient().revokeToken(tokens.refreshToken));
    } catch (err) {
      if (err instanceof CalendarRejectedError && err.status === 400) return; // already revoked or expired
      throw err;
    }
  }

  connect(tokens: CalendarTokens, onTokensRefreshed: (tokens: CalendarTokens) => Promise<void> | void): CalendarClient {
    const oauth = this.oauthClient();
    return new GoogleCalendarClient(oauth, this.api(oauth), tokens, onTokensRefreshed);
  }

  /** `headers` as node:http gives them (lower-case names). */
  readPushNotification(headers: Readonly<Record<string, string | readonly string[] | undefined>>): PushNotification | null {
    const header = (name: string): string | null => {
      const value = headers[name];
      return typeof value === 'string' ? value : (value?.[0] ?? null);
    };
    const channelId = header('x-goog-channel-id');
    const state = header('x-goog-resource-state');
    if (channelId === null || state === null) return null;
    return { channelId, token: header('x-goog-channel-token'), resourceId: header('x-goog-resource-id'), state: state === 'sync' ? 'sync' : 'changed' };
  }

  private oauthClient(): OAuth2Client {
    return new OAuth2Client({
      clientId: this.options.clientId,
      clientSecret: this.options.clientSecret,
      redirectUri: this.options.redirectUri,
      endpoints: { oauth2AuthBaseUrl: this.options.authUrl, oauth2TokenUrl: this.options.tokenUrl, oauth2RevokeUrl: this.options.revokeUrl },
      forceRefreshOnFailure: true,
      transporterOptions: { timeout: this.options.timeoutMs ?? GOOGLE_TIMEOUT_MS },
    });
  }

  private api(oauth: OAuth2Client): calendar_v3.Calendar {
    return new calendar_v3.Calendar({ auth: oauth, rootUrl: this.options.apiBase, timeout: this.options.timeoutMs ?? GOOGLE_TIMEOUT_MS, retry: false });
  }
}

class GoogleCalendarClient implements CalendarClient {
  private current: CalendarTokens;
  /** Refreshed tokens being persisted: every call waits for them before it returns. */
  private persisting: Promise<void> = Promise.resolve();

  constructor(
    private readonly oauth: OAuth2Client,
    private readonly api: calendar_v3.Calendar,
    tokens: CalendarTokens,
    onTokensRefreshed: (tokens: CalendarTokens) => Promise<void> | void,
  ) {
    this.current = tokens;
    oauth.setCredentials({ access_token: tokens.accessToken, refresh_token: tokens.refreshToken, expiry_date: tokens.expiresAt, scope: tokens.scope ?? undefined });
    // The library refreshes on its own (expired, or a 401): it tells us through this event.
    oauth.on('tokens', (credentials: Credentials) => {
      const persisted = this.persisting.then(() => {
        this.current = tokensOf(credentials, this.current);
        return onTokensRefreshed(this.current);
      });
      // Handled where the call that refreshed awaits it; this only keeps Node from calling it unhandled meanwhile.
      persisted.catch(() => undefined);
      this.persisting = persisted;
    });
  }

  async refresh(): Promise<CalendarTokens> {
    await this.call(() => this.oauth.refreshAccessToken());
    return this.current;
  }

  async listBusyChanges(calendarId: string, syncToken: string | null): Promise<BusyChanges> {
    if (syncToken !== null) {
      try {
        return await this.listFrom(calendarId, syncToken);
      } catch (err) {
        // 410 Gone: Google no longer knows the token. Start over with everything.
        if (!(err instanceof CalendarRejectedError && err.status === 410)) throw err;
      }
    }
    return this.listFrom(calendarId, null);
  }

  async upsertAppointmentEvent(calendarId: string, appointment: AppointmentCalendarEvent): Promise<SyncedAppointmentEvent> {
    const event = googleEventFor(appointment);
    // conferenceDataVersion=1 lets Google act on (and answer) conference data; sendUpdates none: the
    // customer hears from us, not from the provider's calendar.
    const common = { calendarId, conferenceDataVersion: 1, sendUpdates: 'none' } as const;
    try {
      const { data } = await this.call(() => this.api.events.insert({ ...common, requestBody: event }));
      return syncedOf(data);
    } catch (err) {
      // 409: the event is already there (an earlier try whose answer was lost, a restart): update it instead.
      if (!(err instanceof CalendarRejectedError && err.status === 409)) throw err;
    }
    const { id, ...changes } = event;
    const { data } = await this.call(() => this.api.events.patch({ ...common, eventId: id, requestBody: changes }));
    return syncedOf(data);
  }

  async deleteAppointmentEvent(calendarId: string, appointmentId: string): Promise<void> {
    try {
      await this.call(() => this.api.events.delete({ calendarId, eventId: googleEventIdFor(appointmentId), sendUpdates: 'none' }));
    } catch (err) {
      // 404: never made it there; 410: deleted already (by an earlier try, or by the owner).
      if (err instanceof CalendarRejectedError && (err.status === 404 || err.status === 410)) return;
      throw err;
    }
  }

  async openChannel(calendarId: string, channel: { readonly channelId: string; readonly token: string; readonly address: string; readonly ttlSeconds: number }): Promise<PushChannel> {
    const { data } = await this.call(() =>
      this.api.events.watch({
        calendarId,
        requestBody: { id: channel.channelId, type: 'web_hook', address: channel.address, token: channel.token, params: { ttl: String(channel.ttlSeconds) } },
      }),
    );
    if (!data.resourceId || !data.expiration) throw new CalendarRejectedError('Google opened a channel without a resource id or expiry');
    return { channelId: data.id ?? channel.channelId, resourceId: data.resourceId, expiresAt: Number(data.expiration) };
  }

  async stopChannel(channel: { readonly channelId: string; readonly resourceId: string }): Promise<void> {
    try {
      await this.call(() => this.api.channels.stop({ requestBody: { id: channel.channelId, resourceId: channel.resourceId } }));
    } catch (err) {
      if (err instanceof CalendarRejectedError && err.status === 404) return; // expired or stopped already
      throw err;
    }
  }

  /** Every page from `syncToken` (null: the whole calendar) up to the next sync token. */
  private async listFrom(calendarId: string, syncToken: string | null): Promise<BusyChanges> {
    const changes: BusyChange[] = [];
    let pageToken: string | undefined;
    for (;;) {
      const { data } = await this.call(() =>
        this.api.events.list({ calendarId, singleEvents: true, maxResults: PAGE_SIZE, ...(syncToken !== null ? { syncToken } : {}), ...(pageToken !== undefined ? { pageToken } : {}) }),
      );
      for (const item of data.items ?? []) {
        const change = busyChangeOf(item, data.timeZone ?? 'UTC');
        // A full listing is the set of what is busy now: what is not busy is simply absent.
        if (change !== null && (syncToken !== null || change.busy !== null)) changes.push(change);
      }
      if (data.nextPageToken) {
        pageToken = data.nextPageToken;
        continue;
      }
      if (!data.nextSyncToken) throw new CalendarRejectedError('Google ended a listing without a sync token');
      return { mode: syncToken !== null ? 'incremental' : 'full', changes, nextSyncToken: data.nextSyncToken };
    }
  }

  /**
   * Runs a call, maps its failures to CalendarErrors, and returns only once tokens it refreshed are
   * persisted: a failure to persist them is this call's failure (the caller would lose the new tokens).
   */
  private async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await guarded(request);
    } finally {
      const pending = this.persisting;
      try {
        await pending;
      } finally {
        if (this.persisting === pending) this.persisting = Promise.resolve();
      }
    }
  }
}

function syncedOf(event: calendar_v3.Schema$Event): SyncedAppointmentEvent {
  if (!event.id) throw new CalendarRejectedError('Google answered an event without an id');
  return { externalEventId: event.id, meetingLink: meetingLinkOf(event) };
}

/** Google's credentials as ours; a refresh answers no refresh token (it stays the same), so the previous one is kept. */
function tokensOf(credentials: Credentials, previous: CalendarTokens | null): CalendarTokens {
  const refreshToken = credentials.refresh_token ?? previous?.refreshToken;
  if (!credentials.access_token || !refreshToken) throw new CalendarNeedsReauthError('Google answered no usable tokens');
  return { accessToken: credentials.access_token, refreshToken, expiresAt: credentials.expiry_date ?? null, scope: credentials.scope ?? previous?.scope ?? null };
}

async function guarded<T>(request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (err) {
    throw calendarErrorOf(err);
  }
}

/** Google's two error bodies: OAuth's `{ error, error_description }` and the APIs' `{ error: { message, errors } }`. */
interface GoogleErrorBody {
  readonly error?: string | { readonly message?: string; readonly errors?: ReadonlyArray<{ readonly reason?: string }> };
  readonly error_description?: string;
}

/**
 * `invalid_grant` (from the token endpoint) and a 401 that survived a refresh mean the grant is gone;
 * no answer (network, timeout), 429, 5xx and rate-limit 403s are temporary; any other answer is final.
 */
function calendarErrorOf(err: unknown): Error {
  if (err instanceof CalendarError) return err;
  const { message, response } = err as { message?: unknown; response?: { status?: unknown; data?: unknown } };
  const detail = typeof message === 'string' ? message : String(err);
  if (typeof response?.status !== 'number') return new CalendarUnavailableError(`Google: ${detail}`.slice(0, 500));
  const status = response.status;
  const body = (typeof response.data === 'object' && response.data !== null ? response.data : {}) as GoogleErrorBody;
  const oauthError = typeof body.error === 'string' ? body.error : null;
  const apiError = typeof body.error === 'object' ? body.error : null;
  const summary = `Google: ${status} ${oauthError !== null ? [oauthError, body.error_description].filter(Boolean).join(': ') : (apiError?.message ?? detail)}`.slice(0, 500);
  if (oauthError === 'invalid_grant' || (status === 401 && oauthError !== 'invalid_client')) return new CalendarNeedsReauthError(summary, status);
  const rateLimited = status === 403 && (apiError?.errors ?? []).some((e) => /rateLimitExceeded|quotaExceeded/.test(e.reason ?? ''));
  if (status === 429 || status >= 500 || rateLimited) return new CalendarUnavailableError(summary, status);
  return new CalendarRejectedError(summary, status);
}
