/** The payment and calendar variables of src/config.ts (payments.graphql and calendar.graphql's configuration sections). */
import { ConfigError, loadConfig } from '../config';
import { meetingLinkFromTemplate } from './calendar/meeting-link';

const problemsOf = (env: Record<string, string>): readonly string[] => {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};
const KEY = Buffer.alloc(32, 1).toString('base64');

describe('payment and calendar configuration', () => {
  it('given nothing, then payments and Google are off, holds last 15 and 10 minutes, the key is generated, and meetings go to Jitsi', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ stripe: undefined, google: undefined, paymentHoldMinutes: 15, slotHoldMinutes: 10, encryptionKey: undefined });
    expect(meetingLinkFromTemplate(c.meetingLinkTemplate, 'a1')).toBe('https://meet.jit.si/slotstream-a1');
  });

  it('given a Stripe key, then payments are on against Stripe\'s own API unless STRIPE_API_BASE says otherwise', () => {
    expect(loadConfig({ STRIPE_SECRET_KEY: 'sk_test_123' }).stripe).toEqual({ secretKey: 'sk_test_123', webhookSecret: undefined, apiBase: 'https://api.stripe.com' });
    expect(loadConfig({ STRIPE_SECRET_KEY: 'rk_live_1', STRIPE_WEBHOOK_SECRET: 'whsec_abc', STRIPE_API_BASE: 'http://127.0.0.1:12111' }).stripe).toEqual({
      secretKey: 'rk_live_1',
      webhookSecret: 'whsec_abc',
      apiBase: 'http://127.0.0.1:12111',
    });
  });

  it('given Google credentials, then sync is on with Google\'s endpoints unless each is overridden', () => {
    expect(loadConfig({ GOOGLE_CLIENT_ID: 'id.apps', GOOGLE_CLIENT_SECRET: 's' }).google).toEqual({
      clientId: 'id.apps',
      clientSecret: 's',
      redirectUri: undefined,
      authUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
      tokenUrl: 'https://oauth2.googleapis.com/token',
      revokeUrl: 'https://oauth2.googleapis.com/revoke',
      apiBase: 'https://www.googleapis.com/',
    });
    const local = 'http://127.0.0.1:9000';
    expect(
      loadConfig({
        GOOGLE_CLIENT_ID: 'id',
        GOOGLE_CLIENT_SECRET: 's',
        GOOGLE_REDIRECT_URI: 'https://book.example.com/oauth/google/callback',
        GOOGLE_AUTH_URL: `${local}/auth`,
        GOOGLE_TOKEN_URL: `${local}/token`,
        GOOGLE_REVOKE_URL: `${local}/revoke`,
        GOOGLE_API_BASE: `${local}/google`,
      }).google,
    ).toMatchObject({ redirectUri: 'https://book.example.com/oauth/google/callback', authUrl: `${local}/auth`, tokenUrl: `${local}/token`, revokeUrl: `${local}/revoke`, apiBase: `${local}/google/` });
  });

  it('reads hold times, the encryption key (one, or several for rotation) and the meeting link template', () => {
    const c = loadConfig({ PAYMENT_HOLD_MINUTES: '30', SLOT_HOLD_MINUTES: '5', ENCRYPTION_KEY: `${KEY},${KEY}`, MEETING_LINK_TEMPLATE: 'https://video.example.com/r/{appointmentId}?x=1' });
    expect(c).toMatchObject({ paymentHoldMinutes: 30, slotHoldMinutes: 5, encryptionKey: `${KEY},${KEY}` });
    expect(meetingLinkFromTemplate(c.meetingLinkTemplate, 'a b')).toBe('https://video.example.com/r/a%20b?x=1');
  });

  it('collects every problem with the payment and calendar variables in one error', () => {
    expect(
      problemsOf({
        STRIPE_SECRET_KEY: 'pk_test_public',
        STRIPE_API_BASE: 'http://127.0.0.1:12111/v1',
        PAYMENT_HOLD_MINUTES: '0',
        SLOT_HOLD_MINUTES: 'ten',
        GOOGLE_CLIENT_ID: 'id',
        GOOGLE_TOKEN_URL: 'oauth2.googleapis.com/token',
        ENCRYPTION_KEY: 'short',
        MEETING_LINK_TEMPLATE: 'https://meet.example.com/room',
      }),
    ).toEqual([
      'STRIPE_SECRET_KEY must be a secret or restricted key (sk_… or rk_…)',
      'STRIPE_API_BASE must be an origin (scheme, host, port) without a path (got "http://127.0.0.1:12111/v1")',
      'GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET must be set together (or neither)',
      'GOOGLE_TOKEN_URL must be a URL starting with http:// or https:// (got "oauth2.googleapis.com/token")',
      'ENCRYPTION_KEY: the key must be 32 bytes in base64 (44 characters, e.g. from `openssl rand -base64 32`); several keys (rotation) are separated by commas, the first one encrypts',
      'MEETING_LINK_TEMPLATE must be an http(s) URL containing {appointmentId} (got "https://meet.example.com/room")',
      'PAYMENT_HOLD_MINUTES must be an integer from 1 to 1440 (got "0")',
      'SLOT_HOLD_MINUTES must be an integer from 1 to 1440 (got "ten")',
    ]);
  });
});
