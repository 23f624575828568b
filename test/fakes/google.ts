/**
 * Google's OAuth and Calendar endpoints as one small stateful node:http server, covering what
 * Slotstream calls: the consent page (answers with a redirect carrying a code), the token endpoint
 * (code exchange, refresh; `invalid_grant` on switch), revocation, calendars.get, and events list
 * (pages, sync tokens, 410 when a token expired), insert (client-chosen ids, 409 on a duplicate, Meet
 * links), patch, delete, watch and channels.stop. Access tokens are checked on every API call (401).
 *
 * The test plays the calendar's owner (`putEvent`, `removeEvent`) and Google's push service
 * (`notify`). Counters per endpoint; fault switches per endpoint: answer a status before or after
 * acting (a lost answer), or never answer.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { calendar_v3 } from '@googleapis/calendar';

export type GoogleEndpoint =
  | 'oauth.consent'
  | 'oauth.exchange'
  | 'oauth.refresh'
  | 'oauth.revoke'
  | 'calendars.get'
  | 'events.list'
  | 'events.insert'
  | 'events.patch'
  | 'events.delete'
  | 'events.watch'
  | 'channels.stop';

type EventResource = calendar_v3.Schema$Event & { id: string; status: string };
/** A stored event: Google's resource plus the change sequence number sync tokens count with. */
export type FakeEvent = EventResource & { seq: number };

export interface FakeChannel {
  readonly id: string;
  readonly token: string | null;
  readonly address: string;
  readonly resourceId: string;
  readonly calendarId: string;
  readonly expiration: number;
  messageNumber: number;
}

type Json = Record<string, unknown>;
interface Answer {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}
type Fault = { readonly kind: 'status'; readonly status: number; readonly afterApplying: boolean } | { readonly kind: 'hang' };

const SCOPES_GRANTED_BY_DEFAULT = 'https://www.googleapis.com/auth/calendar.events https://www.googleapis.com/auth/calendar.readonly';

export class GoogleFake {
  readonly calls = new Map<GoogleEndpoint, number>();
  readonly requests: Array<{ readonly endpoint: GoogleEndpoint | 'unknown'; readonly method: string; readonly path: string; readonly status: number }> = [];
  /** Every refresh (and code exchange) answers `invalid_grant`: the owner revoked access in their Google account. */
  invalidGrant = false;
  /** What the owner grants on the consent page (space-separated); the default is everything asked for. */
  grantedScope: string | null = null;
  /** The query of the last consent page visit: what we asked Google for. */
  lastConsent: URLSearchParams | null = null;
  readonly accountEmail: string;
  readonly timeZone: string;

  private readonly codes = new Map<string, { readonly redirectUri: string; readonly scope: string }>();
  private readonly refreshTokens = new Map<string, { readonly scope: string; revoked: boolean }>();
  private readonly accessTokens = new Map<string, { readonly refreshToken: string; readonly expiresAt: number }>();
  private readonly calendars = new Map<string, Map<string, FakeEvent>>();
  private readonly channelsById = new Map<string, FakeChannel>();
  private readonly faults = new Map<GoogleEndpoint, Fault[]>();
  private readonly hanging = new Set<http.ServerResponse>();
  private seq = 0;
  /** Sync tokens carry the generation they were issued in; `expireSyncTokens` starts a new one. */
  private syncGeneration = 1;
  private server!: http.Server;

  private constructor(
    readonly clientId: string,
    readonly clientSecret: string,
    options: { readonly accountEmail?: string; readonly timeZone?: string },
  ) {
    this.accountEmail = options.accountEmail ?? 'owner@example.com';
    this.timeZone = options.timeZone ?? 'Europe/Berlin';
    this.calendars.set(this.accountEmail, new Map());
  }

  static async start(options: { readonly clientId?: string; readonly clientSecret?: string; readonly accountEmail?: string; readonly timeZone?: string } = {}): Promise<GoogleFake> {
    const fake = new GoogleFake(options.clientId ?? 'slotstream-test.apps.googleusercontent.com', options.clientSecret ?? 'fake-client-secret', options);
    fake.server = http.createServer((req, res) => void fake.handle(req, res));
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** GOOGLE_AUTH_URL, GOOGLE_TOKEN_URL, GOOGLE_REVOKE_URL and GOOGLE_API_BASE, all on this server. */
  get urls(): { readonly authUrl: string; readonly tokenUrl: string; readonly revokeUrl: string; readonly apiBase: string } {
    return { authUrl: `${this.baseUrl}/o/oauth2/v2/auth`, tokenUrl: `${this.baseUrl}/token`, revokeUrl: `${this.baseUrl}/revoke`, apiBase: `${this.baseUrl}/` };
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  callsTo(endpoint: GoogleEndpoint): number {
    return this.calls.get(endpoint) ?? 0;
  }

  // ---- fault switches ----

  /**
   * Answer the next `count` calls of `endpoint` with `status`. `afterApplying`: Google acts first and
   * the answer is the error (the caller cannot know the insert happened).
   */
  failNext(endpoint: GoogleEndpoint, status: number, options: { readonly count?: number; readonly afterApplying?: boolean } = {}): void {
    for (let i = 0; i < (options.count ?? 1); i++) this.faultsOf(endpoint).push({ kind: 'status', status, afterApplying: options.afterApplying ?? false });
  }

  /** Accept the next `count` calls of `endpoint` and never answer them (until `stop()`). */
  hangNext(endpoint: GoogleEndpoint, count = 1): void {
    for (let i = 0; i < count; i++) this.faultsOf(endpoint).push({ kind: 'hang' });
  }

  /** Every access token issued so far stops working: the next API call answers 401 until a refresh. */
  expireAccessTokens(): void {
    for (const [token, grant] of this.accessTokens) this.accessTokens.set(token, { ...grant, expiresAt: 0 });
  }

  /** Every sync token issued so far answers 410 Gone: a full sync is required. */
  expireSyncTokens(): void {
    this.syncGeneration++;
  }

  // ---- the owner and Google's push service ----

  /** A token pair as a finished consent would give it, without the browser round trip. */
  issueTokens(scope = SCOPES_GRANTED_BY_DEFAULT): { readonly accessToken: string; readonly refreshToken: string; readonly expiresAt: number; readonly scope: string } {
    const refreshToken = `1//refresh-${randomBytes(12).toString('hex')}`;
    this.refreshTokens.set(refreshToken, { scope, revoked: false });
    const { accessToken, expiresAt } = this.newAccessToken(refreshToken);
    return { accessToken, refreshToken, expiresAt, scope };
  }

  isRevoked(refreshToken: string): boolean {
    return this.refreshTokens.get(refreshToken)?.revoked ?? true;
  }

  /** The owner adds or changes an event in Google Calendar (the id is kept, or made up). */
  putEvent(event: calendar_v3.Schema$Event, calendarId = this.accountEmail): FakeEvent {
    const id = event.id ?? `ext${randomBytes(8).toString('hex')}`;
    const existing = this.calendar(calendarId).get(id);
    return this.store(calendarId, { ...existing, ...event, status: event.status ?? 'confirmed', id });
  }

  /** The owner deletes an event: it stays, cancelled, so incremental syncs see it go. */
  removeEvent(id: string, calendarId = this.accountEmail): void {
    const existing = this.calendar(calendarId).get(id);
    if (existing === undefined) throw new Error(`no event ${id}`);
    this.store(calendarId, { ...existing, status: 'cancelled' });
  }

  /** Every event of a calendar, cancelled ones included, in the order they last changed. */
  events(calendarId = this.accountEmail): FakeEvent[] {
    return [...this.calendar(calendarId).values()].sort((a, b) => a.seq - b.seq);
  }

  channels(): FakeChannel[] {
    return [...this.channelsById.values()];
  }

  /** Google's push: posts a notification for the channel to its address; answers the status. */
  async notify(channelId: string, options: { readonly state?: 'sync' | 'exists' | 'not_exists'; readonly token?: string | null } = {}): Promise<number> {
    const channel = this.channelsById.get(channelId);
    if (channel === undefined) throw new Error(`no channel ${channelId}`);
    channel.messageNumber++;
    const token = options.token === undefined ? channel.token : options.token;
    const res = await fetch(channel.address, {
      method: 'POST',
      headers: {
        'X-Goog-Channel-ID': channel.id,
        ...(token !== null ? { 'X-Goog-Channel-Token': token } : {}),
        'X-Goog-Channel-Expiration': new Date(channel.expiration).toUTCString(),
        'X-Goog-Resource-ID': channel.resourceId,
        'X-Goog-Resource-URI': `${this.baseUrl}/calendar/v3/calendars/${encodeURIComponent(channel.calendarId)}/events?alt=json`,
        'X-Goog-Resource-State': options.state ?? 'exists',
        'X-Goog-Message-Number': String(channel.messageNumber),
      },
    });
    await res.arrayBuffer();
    return res.status;
  }

  // ---- the server ----

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.baseUrl);
    const method = req.method ?? '';
    const route = this.route(method, url, body, req);
    const send = (answer: Answer): void => {
      this.requests.push({ endpoint: route?.endpoint ?? 'unknown', method, path: url.pathname, status: answer.status });
      const json = answer.body === undefined ? '' : JSON.stringify(answer.body);
      res.writeHead(answer.status, { ...(json !== '' ? { 'content-type': 'application/json; charset=UTF-8' } : {}), ...answer.headers });
      res.end(json);
    };
    if (route === null) return send(apiError(404, 'Not Found', 'notFound'));
    this.calls.set(route.endpoint, this.callsTo(route.endpoint) + 1);

    const fault = this.faults.get(route.endpoint)?.shift();
    if (fault?.kind === 'hang') {
      this.requests.push({ endpoint: route.endpoint, method, path: url.pathname, status: 0 });
      this.hanging.add(res);
      return;
    }
    const faultAnswer = fault?.kind === 'status' ? (fault.status === 401 ? unauthenticated() : apiError(fault.status, 'Backend Error', 'backendError')) : null;
    if (faultAnswer !== null && fault?.kind === 'status' && !fault.afterApplying) return send(faultAnswer);
    if (route.endpoint.startsWith('oauth.')) return send(route.run());
    const denied = this.checkAccess(req);
    if (denied !== null) return send(denied);
    const answer = route.run();
    send(faultAnswer ?? answer);
  }

  private route(method: string, url: URL, body: string, req: http.IncomingMessage): { readonly endpoint: GoogleEndpoint; readonly run: () => Answer } | null {
    const path = url.pathname;
    const query = url.searchParams;
    if (method === 'GET' && path === '/o/oauth2/v2/auth') return { endpoint: 'oauth.consent', run: () => this.consent(query) };
    if (method === 'POST' && path === '/token') {
      const form = new URLSearchParams(body);
      return { endpoint: form.get('grant_type') === 'refresh_token' ? 'oauth.refresh' : 'oauth.exchange', run: () => this.token(form, req) };
    }
    if (method === 'POST' && path === '/revoke') return { endpoint: 'oauth.revoke', run: () => this.revoke(query.get('token') ?? new URLSearchParams(body).get('token')) };
    if (method === 'POST' && path === '/calendar/v3/channels/stop') return { endpoint: 'channels.stop', run: () => this.stopChannel(parseJson(body)) };

    const m = /^\/calendar\/v3\/calendars\/([^/]+)(?:\/events(?:\/([^/]+))?)?$/.exec(path);
    if (m === null) return null;
    const calendarId = this.resolveCalendarId(decodeURIComponent(m[1]!));
    const eventPart = m[2] === undefined ? undefined : decodeURIComponent(m[2]);
    const hasEvents = path.includes('/events');
    if (!hasEvents && method === 'GET') return { endpoint: 'calendars.get', run: () => this.getCalendar(calendarId) };
    if (hasEvents && eventPart === undefined && method === 'GET') return { endpoint: 'events.list', run: () => this.list(calendarId, query) };
    if (hasEvents && eventPart === undefined && method === 'POST') return { endpoint: 'events.insert', run: () => this.insert(calendarId, parseJson(body), query) };
    if (eventPart === 'watch' && method === 'POST') return { endpoint: 'events.watch', run: () => this.watch(calendarId, parseJson(body)) };
    if (eventPart !== undefined && method === 'PATCH') return { endpoint: 'events.patch', run: () => this.patch(calendarId, eventPart, parseJson(body), query) };
    if (eventPart !== undefined && method === 'DELETE') return { endpoint: 'events.delete', run: () => this.delete(calendarId, eventPart) };
    return null;
  }

  // ---- OAuth ----

  private consent(query: URLSearchParams): Answer {
    this.lastConsent = query;
    const redirectUri = query.get('redirect_uri');
    if (query.get('client_id') !== this.clientId || redirectUri === null || query.get('response_type') !== 'code') {
      return { status: 400, body: { error: 'invalid_request', error_description: 'Unknown client or missing redirect_uri' } };
    }
    const code = `4/code-${randomBytes(12).toString('hex')}`;
    const scope = this.grantedScope ?? query.get('scope') ?? '';
    this.codes.set(code, { redirectUri, scope });
    const target = new URL(redirectUri);
    target.searchParams.set('code', code);
    if (query.get('state') !== null) target.searchParams.set('state', query.get('state')!);
    target.searchParams.set('scope', scope);
    return { status: 302, headers: { location: target.href } };
  }

  private token(form: URLSearchParams, req: http.IncomingMessage): Answer {
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    const [clientId, clientSecret] = basic ? Buffer.from(basic[1]!, 'base64').toString('utf8').split(':') : [form.get('client_id'), form.get('client_secret')];
    if (clientId !== this.clientId || clientSecret !== this.clientSecret) return { status: 401, body: { error: 'invalid_client', error_description: 'The OAuth client was not found.' } };
    const invalidGrant: Answer = { status: 400, body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' } };
    if (this.invalidGrant) return invalidGrant;

    if (form.get('grant_type') === 'authorization_code') {
      const code = this.codes.get(form.get('code') ?? '');
      if (code === undefined || code.redirectUri !== form.get('redirect_uri')) return { status: 400, body: { error: 'invalid_grant', error_description: 'Malformed auth code.' } };
      this.codes.delete(form.get('code')!);
      const refreshToken = `1//refresh-${randomBytes(12).toString('hex')}`;
      this.refreshTokens.set(refreshToken, { scope: code.scope, revoked: false });
      const { accessToken } = this.newAccessToken(refreshToken);
      return { status: 200, body: { access_token: accessToken, expires_in: 3599, refresh_token: refreshToken, scope: code.scope, token_type: 'Bearer' } };
    }
    if (form.get('grant_type') === 'refresh_token') {
      const refreshToken = form.get('refresh_token') ?? '';
      const grant = this.refreshTokens.get(refreshToken);
      if (grant === undefined || grant.revoked) return invalidGrant;
      const { accessToken } = this.newAccessToken(refreshToken);
      return { status: 200, body: { access_token: accessToken, expires_in: 3599, scope: grant.scope, token_type: 'Bearer' } };
    }
    return { status: 400, body: { error: 'unsupported_grant_type', error_description: `Invalid grant_type: ${form.get('grant_type')}` } };
  }

  private revoke(token: string | null): Answer {
    const refreshToken = token === null ? undefined : this.refreshTokens.has(token) ? token : this.accessTokens.get(token)?.refreshToken;
    const grant = refreshToken === undefined ? undefined : this.refreshTokens.get(refreshToken);
    if (grant === undefined || grant.revoked) return { status: 400, body: { error: 'invalid_token', error_description: 'Token expired or revoked' } };
    grant.revoked = true;
    return { status: 200, body: {} };
  }

  private newAccessToken(refreshToken: string): { readonly accessToken: string; readonly expiresAt: number } {
    const accessToken = `ya29.fake-${randomBytes(12).toString('hex')}`;
    const expiresAt = Date.now() + 3599_000;
    this.accessTokens.set(accessToken, { refreshToken, expiresAt });
    return { accessToken, expiresAt };
  }

  private checkAccess(req: http.IncomingMessage): Answer | null {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const grant = token === undefined ? undefined : this.accessTokens.get(token);
    if (grant === undefined || grant.expiresAt <= Date.now() || this.refreshTokens.get(grant.refreshToken)?.revoked !== false) {
      return unauthenticated();
    }
    return null;
  }

  // ---- Calendar ----

  private getCalendar(calendarId: string): Answer {
    if (!this.calendars.has(calendarId)) return apiError(404, 'Not Found', 'notFound');
    return { status: 200, body: { kind: 'calendar#calendar', id: calendarId, summary: calendarId, timeZone: this.timeZone } };
  }

  private list(calendarId: string, query: URLSearchParams): Answer {
    const calendar = this.calendars.get(calendarId);
    if (calendar === undefined) return apiError(404, 'Not Found', 'notFound');
    const maxResults = Math.min(2500, Number(query.get('maxResults') ?? 250));
    // Page tokens carry where the listing started (`from`: a sync token's position, or -1) and the
    // state it lists (`upTo`), so later changes wait for the next sync instead of shifting pages.
    let page: { offset: number; from: number; upTo: number };
    const pageToken = query.get('pageToken');
    const syncToken = query.get('syncToken');
    if (pageToken !== null) {
      const parsed = /^page-(\d+)-(-?\d+)-(\d+)$/.exec(pageToken);
      if (parsed === null) return apiError(400, 'Invalid page token value.', 'invalid');
      page = { offset: Number(parsed[1]), from: Number(parsed[2]), upTo: Number(parsed[3]) };
    } else if (syncToken !== null) {
      const parsed = /^sync-(\d+)-(\d+)$/.exec(syncToken);
      if (parsed === null || Number(parsed[1]) !== this.syncGeneration) {
        return apiError(410, 'Sync token is no longer valid, a full sync is required.', 'fullSyncRequired', undefined, 'global');
      }
      page = { offset: 0, from: Number(parsed[2]), upTo: this.seq };
    } else {
      page = { offset: 0, from: -1, upTo: this.seq };
    }
    const incremental = page.from >= 0;
    const showDeleted = incremental || query.get('showDeleted') === 'true';
    const all = [...calendar.values()]
      .filter((e) => e.seq > page.from && e.seq <= page.upTo && (showDeleted || e.status !== 'cancelled'))
      .sort((a, b) => a.seq - b.seq);
    const items = all.slice(page.offset, page.offset + maxResults).map(({ seq: _seq, ...event }) => event);
    const more = page.offset + maxResults < all.length;
    return {
      status: 200,
      body: {
        kind: 'calendar#events',
        summary: calendarId,
        timeZone: this.timeZone,
        items,
        ...(more ? { nextPageToken: `page-${page.offset + maxResults}-${page.from}-${page.upTo}` } : { nextSyncToken: `sync-${this.syncGeneration}-${page.upTo}` }),
      },
    };
  }

  private insert(calendarId: string, body: Json, query: URLSearchParams): Answer {
    const calendar = this.calendars.get(calendarId);
    if (calendar === undefined) return apiError(404, 'Not Found', 'notFound');
    const id = typeof body.id === 'string' ? body.id : randomBytes(13).toString('hex');
    if (!/^[0-9a-v]{5,1024}$/.test(id)) return apiError(400, 'Invalid resource id value.', 'invalid');
    if (calendar.has(id)) return apiError(409, 'The requested identifier already exists.', 'duplicate', undefined, 'global');
    const event = this.withConference({ ...(body as calendar_v3.Schema$Event), status: typeof body.status === 'string' ? body.status : 'confirmed', id }, query);
    return { status: 200, body: this.view(this.store(calendarId, event)) };
  }

  private patch(calendarId: string, eventId: string, body: Json, query: URLSearchParams): Answer {
    const existing = this.calendars.get(calendarId)?.get(eventId);
    if (existing === undefined) return apiError(404, 'Not Found', 'notFound');
    const changes = body as calendar_v3.Schema$Event;
    const { seq: _seq, ...current } = existing;
    const merged: EventResource = {
      ...current,
      ...changes,
      id: eventId,
      status: changes.status ?? existing.status,
      extendedProperties: { private: { ...existing.extendedProperties?.private, ...changes.extendedProperties?.private } },
      conferenceData: existing.conferenceData,
    };
    if (changes.conferenceData !== undefined && existing.conferenceData?.conferenceId === undefined) merged.conferenceData = changes.conferenceData;
    return { status: 200, body: this.view(this.store(calendarId, this.withConference(merged, query))) };
  }

  private delete(calendarId: string, eventId: string): Answer {
    const existing = this.calendars.get(calendarId)?.get(eventId);
    if (existing === undefined) return apiError(404, 'Not Found', 'notFound');
    if (existing.status === 'cancelled') return apiError(410, 'Resource has been deleted', 'deleted', undefined, 'global');
    this.store(calendarId, { ...existing, status: 'cancelled' });
    return { status: 204 };
  }

  private watch(calendarId: string, body: Json): Answer {
    if (!this.calendars.has(calendarId)) return apiError(404, 'Not Found', 'notFound');
    const id = body.id;
    const address = body.address;
    if (typeof id !== 'string' || typeof address !== 'string' || body.type !== 'web_hook') return apiError(400, 'Channel id, type web_hook and address are required.', 'required');
    if (this.channelsById.has(id)) return apiError(400, `Channel id ${id} not unique`, 'channelIdNotUnique', undefined, 'push');
    const params = (body.params ?? {}) as Json;
    const ttlSeconds = Math.min(Number(params.ttl ?? 604_800), 2_678_400);
    const channel: FakeChannel = {
      id,
      token: typeof body.token === 'string' ? body.token : null,
      address,
      resourceId: `res-${randomBytes(10).toString('hex')}`,
      calendarId,
      expiration: Date.now() + ttlSeconds * 1000,
      messageNumber: 0,
    };
    this.channelsById.set(id, channel);
    return {
      status: 200,
      body: { kind: 'api#channel', id, resourceId: channel.resourceId, resourceUri: `${this.baseUrl}/calendar/v3/calendars/${encodeURIComponent(calendarId)}/events?alt=json`, ...(channel.token !== null ? { token: channel.token } : {}), expiration: String(channel.expiration) },
    };
  }

  private stopChannel(body: Json): Answer {
    const channel = typeof body.id === 'string' ? this.channelsById.get(body.id) : undefined;
    if (channel === undefined || channel.resourceId !== body.resourceId) return apiError(404, `Channel '${String(body.id)}' not found for project`, 'notFound');
    this.channelsById.delete(channel.id);
    return { status: 204 };
  }

  /** Google Meet, when the request asks for it with conferenceDataVersion=1 (otherwise Google ignores conferenceData). */
  private withConference(event: EventResource, query: URLSearchParams): EventResource {
    const request = event.conferenceData?.createRequest;
    if (request === undefined || event.conferenceData?.conferenceId !== undefined) return event;
    const { conferenceData: _ignored, ...withoutRequest } = event;
    if (query.get('conferenceDataVersion') !== '1' || !request.requestId) return withoutRequest;
    const digest = createHash('sha256').update(request.requestId).digest('hex').replace(/[0-9]/g, (d) => 'abcdefghij'[Number(d)]!);
    const code = `${digest.slice(0, 3)}-${digest.slice(3, 7)}-${digest.slice(7, 10)}`;
    const uri = `https://meet.google.com/${code}`;
    return {
      ...withoutRequest,
      hangoutLink: uri,
      conferenceData: {
        conferenceId: code,
        conferenceSolution: { key: { type: 'hangoutsMeet' }, name: 'Google Meet' },
        entryPoints: [{ entryPointType: 'video', uri, label: `meet.google.com/${code}` }],
        createRequest: { ...request, status: { statusCode: 'success' } },
      },
    };
  }

  private store(calendarId: string, event: EventResource): FakeEvent {
    const now = new Date().toISOString();
    const stored: FakeEvent = { created: now, ...event, updated: now, etag: `"${this.seq + 1}"`, iCalUID: `${event.id}@google.com`, seq: ++this.seq };
    this.calendar(calendarId).set(stored.id, stored);
    return stored;
  }

  private view(event: FakeEvent): calendar_v3.Schema$Event {
    const { seq: _seq, ...rest } = event;
    return { kind: 'calendar#event', ...rest };
  }

  private calendar(calendarId: string): Map<string, FakeEvent> {
    const calendar = this.calendars.get(this.resolveCalendarId(calendarId));
    if (calendar === undefined) throw new Error(`no calendar ${calendarId}`);
    return calendar;
  }

  private resolveCalendarId(calendarId: string): string {
    return calendarId === 'primary' ? this.accountEmail : calendarId;
  }

  private faultsOf(endpoint: GoogleEndpoint): Fault[] {
    let faults = this.faults.get(endpoint);
    if (faults === undefined) this.faults.set(endpoint, (faults = []));
    return faults;
  }
}

/** Google's JSON error body. */
function apiError(code: number, message: string, reason: string, status?: string, domain = 'global'): Answer {
  return { status: code, body: { error: { code, message, errors: [{ domain, reason, message }], ...(status !== undefined ? { status } : {}) } } };
}

const unauthenticated = (): Answer => apiError(401, 'Request had invalid authentication credentials. Expected OAuth 2 access token.', 'authError', 'UNAUTHENTICATED');

function parseJson(body: string): Json {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null ? (value as Json) : {};
  } catch {
    return {};
  }
}
