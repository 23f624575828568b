/** The integration variables of src/config.ts (notifications.graphql's configuration section). */
import { ConfigError, loadConfig } from '../config';

const problemsOf = (env: Record<string, string>): readonly string[] => {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('integration configuration', () => {
  it('given nothing, then e-mail and SMS are off, webhooks stay on public networks, and links use the listening address', () => {
    expect(loadConfig({})).toMatchObject({ publicUrl: undefined, smtp: undefined, twilio: undefined, webhookAllowPrivateNetworks: false });
  });

  it('reads every variable', () => {
    const c = loadConfig({
      PUBLIC_URL: 'https://book.example.com/',
      SMTP_URL: 'smtps://mailer:s3cret@smtp.example.com:465',
      EMAIL_FROM: 'Bookings <bookings@example.com>',
      TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
      TWILIO_AUTH_TOKEN: 'token',
      TWILIO_FROM: '+4930123456789',
      TWILIO_API_BASE: 'http://127.0.0.1:9999',
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    });
    expect(c).toMatchObject({
      publicUrl: 'https://book.example.com',
      smtp: { url: 'smtps://mailer:s3cret@smtp.example.com:465', from: 'Bookings <bookings@example.com>' },
      twilio: { accountSid: 'AC0123456789abcdef0123456789abcdef', authToken: 'token', from: '+4930123456789', apiBase: 'http://127.0.0.1:9999' },
      webhookAllowPrivateNetworks: true,
    });
  });

  it('defaults the sender and Twilio\'s API base', () => {
    const c = loadConfig({ SMTP_URL: 'smtp://127.0.0.1:2525', TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 't', TWILIO_FROM: 'MG0123456789abcdef0123456789abcdef' });
    expect(c.smtp).toEqual({ url: 'smtp://127.0.0.1:2525', from: 'Slotstream <no-reply@localhost>' });
    expect(c.twilio?.apiBase).toBe('https://api.twilio.com');
  });

  it('collects every problem with the integration variables in one error', () => {
    expect(
      problemsOf({
        PUBLIC_URL: 'book.example.com',
        SMTP_URL: 'http://smtp.example.com',
        EMAIL_FROM: 'nobody',
        TWILIO_ACCOUNT_SID: 'SK123',
        TWILIO_FROM: '0301234',
        TWILIO_API_BASE: 'ftp://x',
        WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'perhaps',
      }),
    ).toEqual(
      expect.arrayContaining([
        'PUBLIC_URL must be a URL starting with http:// or https:// (got "book.example.com")',
        'SMTP_URL must be a URL starting with smtp:// or smtps:// (got "http://smtp.example.com")',
        'EMAIL_FROM must be an address, optionally with a name: "Name <address>" (got "nobody")',
        'TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM must be set together (or none of them)',
        'TWILIO_ACCOUNT_SID must start with AC (got "SK123")',
        'TWILIO_FROM must be an E.164 number (+4915112345678) or a Messaging Service SID (MG…) (got "0301234")',
        'TWILIO_API_BASE must be a URL starting with http:// or https:// (got "ftp://x")',
        'WEBHOOK_ALLOW_PRIVATE_NETWORKS must be true or false (got "perhaps")',
      ]),
    );
  });
});
