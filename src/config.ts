/**
 * All configuration comes from environment variables, read and validated here once. A bad value
 * stops start-up with a message naming the variable, the value and what is expected.
 */
import path from 'node:path';
import { isMeetingLinkTemplate } from './integrations/calendar/meeting-link';
import { parseEncryptionKeys } from './security/secret-box';

export interface Config {
  readonly port: number;
  readonly host: string;
  /** PostgreSQL server for events and read models; absent = embedded PGlite in `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  /** EventStoreDB for events (read models stay in PostgreSQL/PGlite). */
  readonly eventStoreUrl: string | undefined;
  /** Absent = generated once and kept in the database (in the data folder when embedded). */
  readonly jwtSecret: string | undefined;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly dbPoolSize: number;
  /** Run projection workers in this process (the embedded default). Off for API-only replicas. */
  readonly runProjections: boolean;
  readonly shutdownTimeoutMs: number;
  readonly maxBodyBytes: number;
  /** Allowed CORS origins; `*` = any. */
  readonly corsOrigins: readonly string[];
  /** Behind one reverse proxy: take the client address from the last X-Forwarded-For entry. */
  readonly trustProxy: boolean;
  /** Serve GraphiQL at GET /graphql to browsers (Accept: text/html). */
  readonly graphiql: boolean;
  /** Answer introspection queries: on in development, off in production unless set. */
  readonly introspection: boolean;
  /** When set, GET /metrics requires `Authorization: Bearer <token>`. */
  readonly metricsToken: string | undefined;
  /** How users reach this API (links in messages); absent = the address the server listens on. */
  readonly publicUrl: string | undefined;
  /** Outgoing e-mail; absent = e-mail notifications are recorded as SKIPPED. */
  readonly smtp: { readonly url: string; readonly from: string } | undefined;
  /** Outgoing SMS through Twilio; absent = SMS notifications are recorded as SKIPPED. */
  readonly twilio: { readonly accountSid: string; readonly authToken: string; readonly from: string; readonly apiBase: string } | undefined;
  /** Let webhook endpoints resolve to loopback/private/link-local addresses (tests, closed networks). */
  readonly webhookAllowPrivateNetworks: boolean;
  /** Abuse protection (README "Limits and abuse protection"). */
  readonly abuse: AbuseLimits;
  /** Payments through Stripe; absent = payments off (a service cannot require payment). */
  readonly stripe: StripeConfig | undefined;
  /** How long an unpaid booking, and a `holdSlot` hold, keep their slot. */
  readonly paymentHoldMinutes: number;
  readonly slotHoldMinutes: number;
  /** Google Calendar sync; absent = off. */
  readonly google: GoogleConfig | undefined;
  /** ENCRYPTION_KEY as given (validated): keys that seal OAuth tokens; absent = generated once and kept in the database. */
  readonly encryptionKey: string | undefined;
  /** Meeting address for virtual services without a Google connection; `{appointmentId}` is replaced. */
  readonly meetingLinkTemplate: string;
}

export interface StripeConfig {
  readonly secretKey: string;
  /** Verifies POST /webhooks/stripe; absent = every webhook is refused. */
  readonly webhookSecret: string | undefined;
  /** Origin of Stripe's API (scheme, host, port): the SDK takes no path. */
  readonly apiBase: string;
}

export interface GoogleConfig {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Absent = PUBLIC_URL (else the listening address) + /oauth/google/callback. */
  readonly redirectUri: string | undefined;
  readonly authUrl: string;
  readonly tokenUrl: string;
  readonly revokeUrl: string;
  /** googleapis `rootUrl`, ending with a slash. */
  readonly apiBase: string;
}

/** Limits that keep one client from exhausting the service or other people's calendars. */
export interface AbuseLimits {
  /** Live (PENDING/CONFIRMED) future appointments one customer may hold with one provider. */
  readonly liveBookingsPerCustomer: number;
  /** Bookings one customer may attempt per hour (every node shares the count through the database). */
  readonly bookingsPerCustomerPerHour: number;
  /** Sign-ups per client address per hour, and per e-mail address per hour. */
  readonly registrationsPerAddressPerHour: number;
  readonly registrationsPerEmailPerHour: number;
  /** Subscriptions open at once on one WebSocket, and from one client address on this node. */
  readonly subscriptionsPerConnection: number;
  readonly subscriptionsPerAddress: number;
  /** A WebSocket with more unsent bytes than this is behind; behind for `wsSlowConsumerMs`, it is closed. */
  readonly wsSendBufferBytes: number;
  readonly wsSlowConsumerMs: number;
  /** How often open WebSockets re-check that their user still exists and their login is not revoked. */
  readonly wsAuthRecheckMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Every variable the service reads; docker-compose and docs are checked against this list. */
export const CONFIG_VARIABLES = [
  'PORT',
  'HOST',
  'DATABASE_URL',
  'DATA_DIR',
  'EVENTSTORE_URL',
  'JWT_SECRET',
  'LOG_LEVEL',
  'NODE_ENV',
  'DB_POOL_SIZE',
  'RUN_PROJECTIONS',
  'SHUTDOWN_TIMEOUT_MS',
  'MAX_BODY_BYTES',
  'CORS_ORIGINS',
  'TRUST_PROXY',
  'PUBLIC_URL',
  'SMTP_URL',
  'EMAIL_FROM',
  'TWILIO_ACCOUNT_SID',
  'TWILIO_AUTH_TOKEN',
  'TWILIO_FROM',
  'TWILIO_API_BASE',
  'WEBHOOK_ALLOW_PRIVATE_NETWORKS',
  'LIVE_BOOKINGS_PER_CUSTOMER',
  'BOOKINGS_PER_CUSTOMER_PER_HOUR',
  'REGISTRATIONS_PER_ADDRESS_PER_HOUR',
  'REGISTRATIONS_PER_EMAIL_PER_HOUR',
  'SUBSCRIPTIONS_PER_CONNECTION',
  'SUBSCRIPTIONS_PER_ADDRESS',
  'WS_SEND_BUFFER_BYTES',
  'WS_SLOW_CONSUMER_MS',
  'WS_AUTH_RECHECK_MS',
  'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRET',
  'STRIPE_API_BASE',
  'PAYMENT_HOLD_MINUTES',
  'SLOT_HOLD_MINUTES',
  'GOOGLE_CLIENT_ID',
  'GOOGLE_CLIENT_SECRET',
  'GOOGLE_REDIRECT_URI',
  'GOOGLE_AUTH_URL',
  'GOOGLE_TOKEN_URL',
  'GOOGLE_REVOKE_URL',
  'GOOGLE_API_BASE',
  'ENCRYPTION_KEY',
  'MEETING_LINK_TEMPLATE',
  'GRAPHIQL',
  'INTROSPECTION',
  'METRICS_TOKEN',
] as const;

type Env = Readonly<Record<string, string | undefined>>;

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const str = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!/^-?\d+$/.test(raw) || n < min || n > max) {
      problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return n;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      problems.push(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
      return fallback;
    }
    return raw as T;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
    if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
    problems.push(`${name} must be true or false (got "${raw}")`);
    return fallback;
  };
  const url = (name: string, protocols: readonly string[]): string | undefined => {
    const raw = str(name);
    if (raw === undefined) return undefined;
    try {
      const u = new URL(raw);
      if (!protocols.includes(u.protocol)) throw new Error('protocol');
      return raw;
    } catch {
      problems.push(`${name} must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')} (got "${raw}")`);
      return undefined;
    }
  };

  const jwtSecret = str('JWT_SECRET');
  if (jwtSecret !== undefined && jwtSecret.length < 32) problems.push('JWT_SECRET must be at least 32 characters long');

  // Integrations (notifications, webhooks): each channel is off until its variables are set.
  const emailFrom = str('EMAIL_FROM') ?? 'Slotstream <no-reply@localhost>';
  if (!/^(?:[^<>]*<[^<>\s@]+@[^<>\s@]+>|[^<>\s@]+@[^<>\s@]+)$/.test(emailFrom)) {
    problems.push(`EMAIL_FROM must be an address, optionally with a name: "Name <address>" (got "${emailFrom}")`);
  }
  const smtpUrl = url('SMTP_URL', ['smtp:', 'smtps:']);
  const twilioSid = str('TWILIO_ACCOUNT_SID');
  const twilioToken = str('TWILIO_AUTH_TOKEN');
  const twilioFrom = str('TWILIO_FROM');
  const twilioApiBase = url('TWILIO_API_BASE', ['http:', 'https:']) ?? 'https://api.twilio.com';
  const twilioSet = [twilioSid, twilioToken, twilioFrom].filter((v) => v !== undefined).length;
  if (twilioSet > 0 && twilioSet < 3) problems.push('TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM must be set together (or none of them)');
  if (twilioSid !== undefined && !/^AC\w+$/.test(twilioSid)) problems.push(`TWILIO_ACCOUNT_SID must start with AC (got "${twilioSid}")`);
  if (twilioFrom !== undefined && !/^(?:\+[1-9]\d{1,14}|MG[0-9a-fA-F]{32})$/.test(twilioFrom)) {
    problems.push(`TWILIO_FROM must be an E.164 number (+4915112345678) or a Messaging Service SID (MG…) (got "${twilioFrom}")`);
  }
  const integrations = {
    publicUrl: url('PUBLIC_URL', ['http:', 'https:'])?.replace(/\/+$/, ''),
    smtp: smtpUrl !== undefined ? { url: smtpUrl, from: emailFrom } : undefined,
    twilio:
      twilioSid !== undefined && twilioToken !== undefined && twilioFrom !== undefined
        ? { accountSid: twilioSid, authToken: twilioToken, from: twilioFrom, apiBase: twilioApiBase }
        : undefined,
    webhookAllowPrivateNetworks: bool('WEBHOOK_ALLOW_PRIVATE_NETWORKS', false),
  };

  // Payments and calendars (payments.graphql, calendar.graphql): each is off until its credentials are set.
  const stripeSecretKey = str('STRIPE_SECRET_KEY');
  if (stripeSecretKey !== undefined && !/^(?:sk|rk)_\S+$/.test(stripeSecretKey)) problems.push('STRIPE_SECRET_KEY must be a secret or restricted key (sk_… or rk_…)');
  const stripeApiBase = url('STRIPE_API_BASE', ['http:', 'https:']) ?? 'https://api.stripe.com';
  if (!['', '/'].includes(new URL(stripeApiBase).pathname) || new URL(stripeApiBase).search !== '') {
    problems.push(`STRIPE_API_BASE must be an origin (scheme, host, port) without a path (got "${stripeApiBase}")`);
  }
  const googleClientId = str('GOOGLE_CLIENT_ID');
  const googleClientSecret = str('GOOGLE_CLIENT_SECRET');
  if ((googleClientId === undefined) !== (googleClientSecret === undefined)) problems.push('GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET must be set together (or neither)');
  const googleApiBase = url('GOOGLE_API_BASE', ['http:', 'https:']) ?? 'https://www.googleapis.com/';
  const google = {
    redirectUri: url('GOOGLE_REDIRECT_URI', ['http:', 'https:']),
    authUrl: url('GOOGLE_AUTH_URL', ['http:', 'https:']) ?? 'https://accounts.google.com/o/oauth2/v2/auth',
    tokenUrl: url('GOOGLE_TOKEN_URL', ['http:', 'https:']) ?? 'https://oauth2.googleapis.com/token',
    revokeUrl: url('GOOGLE_REVOKE_URL', ['http:', 'https:']) ?? 'https://oauth2.googleapis.com/revoke',
    apiBase: googleApiBase.endsWith('/') ? googleApiBase : `${googleApiBase}/`,
  };
  const encryptionKey = str('ENCRYPTION_KEY');
  if (encryptionKey !== undefined) {
    try {
      parseEncryptionKeys(encryptionKey);
    } catch (err) {
      problems.push(`ENCRYPTION_KEY: ${(err as Error).message}; several keys (rotation) are separated by commas, the first one encrypts`);
    }
  }
  const meetingLinkTemplate = str('MEETING_LINK_TEMPLATE') ?? 'https://meet.jit.si/slotstream-{appointmentId}';
  if (!isMeetingLinkTemplate(meetingLinkTemplate)) {
    problems.push(`MEETING_LINK_TEMPLATE must be an http(s) URL containing {appointmentId} (got "${meetingLinkTemplate}")`);
  }
  const paymentsAndCalendars = {
    stripe: stripeSecretKey !== undefined ? { secretKey: stripeSecretKey, webhookSecret: str('STRIPE_WEBHOOK_SECRET'), apiBase: stripeApiBase } : undefined,
    paymentHoldMinutes: int('PAYMENT_HOLD_MINUTES', 15, 1, 1440),
    slotHoldMinutes: int('SLOT_HOLD_MINUTES', 10, 1, 1440),
    google: googleClientId !== undefined && googleClientSecret !== undefined ? { clientId: googleClientId, clientSecret: googleClientSecret, ...google } : undefined,
    encryptionKey,
    meetingLinkTemplate,
  };

  const config: Config = {
    port: int('PORT', 4000, 0, 65535),
    host: str('HOST') ?? '0.0.0.0',
    databaseUrl: url('DATABASE_URL', ['postgres:', 'postgresql:']),
    dataDir: path.resolve(str('DATA_DIR') ?? './.data'),
    eventStoreUrl: url('EVENTSTORE_URL', ['esdb:', 'esdb+discover:']),
    jwtSecret,
    logLevel: oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    nodeEnv: oneOf('NODE_ENV', ['development', 'production', 'test'] as const, 'development'),
    dbPoolSize: int('DB_POOL_SIZE', 20, 1, 1000),
    runProjections: bool('RUN_PROJECTIONS', true),
    shutdownTimeoutMs: int('SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    maxBodyBytes: int('MAX_BODY_BYTES', 1_048_576, 1024, 100 * 1_048_576),
    corsOrigins: (str('CORS_ORIGINS') ?? '*').split(',').map((s) => s.trim()).filter((s) => s !== ''),
    trustProxy: bool('TRUST_PROXY', false),
    ...integrations,
    abuse: {
      liveBookingsPerCustomer: int('LIVE_BOOKINGS_PER_CUSTOMER', 20, 1, 100_000),
      bookingsPerCustomerPerHour: int('BOOKINGS_PER_CUSTOMER_PER_HOUR', 30, 1, 1_000_000),
      registrationsPerAddressPerHour: int('REGISTRATIONS_PER_ADDRESS_PER_HOUR', 20, 1, 1_000_000),
      registrationsPerEmailPerHour: int('REGISTRATIONS_PER_EMAIL_PER_HOUR', 3, 1, 1_000_000),
      subscriptionsPerConnection: int('SUBSCRIPTIONS_PER_CONNECTION', 20, 1, 10_000),
      subscriptionsPerAddress: int('SUBSCRIPTIONS_PER_ADDRESS', 100, 1, 1_000_000),
      wsSendBufferBytes: int('WS_SEND_BUFFER_BYTES', 4 * 1_048_576, 65_536, 1024 * 1_048_576),
      wsSlowConsumerMs: int('WS_SLOW_CONSUMER_MS', 10_000, 100, 600_000),
      wsAuthRecheckMs: int('WS_AUTH_RECHECK_MS', 5000, 100, 600_000),
    },
    ...paymentsAndCalendars,
    graphiql: bool('GRAPHIQL', true),
    introspection: bool('INTROSPECTION', str('NODE_ENV') !== 'production'),
    metricsToken: str('METRICS_TOKEN'),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
