import twilio from 'twilio';
import type TwilioRequestClient from 'twilio/lib/base/RequestClient';
import type TwilioResponse from 'twilio/lib/http/response';
import { DeliveryError } from '../delivery-error';
import type { SmsMessage, SmsSender } from './sms-sender';

export interface TwilioSmsSenderOptions {
  readonly accountSid: string;
  readonly authToken: string;
  /** An E.164 sender number, or a Messaging Service SID (MG…). */
  readonly from: string;
  /** Base URL of Twilio's REST API (TWILIO_API_BASE); requests keep their path and go here instead. */
  readonly apiBase: string;
  readonly timeoutMs?: number;
}

/**
 * The twilio SDK builds absolute URLs on its own hosts (api.twilio.com, with edge and region folded
 * in). Its documented extension point is a custom `httpClient`: this one is the SDK's own
 * RequestClient (axios, basic auth, form encoding, error mapping all unchanged) with each request's
 * origin replaced by `apiBase`.
 */
class RebasedRequestClient extends twilio.RequestClient {
  constructor(
    private readonly apiBase: URL,
    timeoutMs: number,
  ) {
    // No SDK retries: the job queue retries, with backoff, and counts the attempts.
    super({ timeout: timeoutMs, autoRetry: false });
  }

  override request<TData>(opts: TwilioRequestClient.RequestOptions<TData>): Promise<TwilioResponse<TData>> {
    const original = new URL(opts.uri);
    const prefix = this.apiBase.pathname.replace(/\/$/, '');
    const rebased = new URL(`${prefix}${original.pathname}${original.search}`, this.apiBase.origin);
    return super.request<TData>({ ...opts, uri: rebased.href, allowRedirects: false });
  }
}

export class TwilioSmsSender implements SmsSender {
  private readonly client: twilio.Twilio;

  constructor(private readonly options: TwilioSmsSenderOptions) {
    this.client = twilio(options.accountSid, options.authToken, {
      httpClient: new RebasedRequestClient(new URL(options.apiBase), options.timeoutMs ?? 10_000),
    });
  }

  async send(message: SmsMessage): Promise<{ readonly providerId: string }> {
    const sender = /^MG[0-9a-fA-F]{32}$/.test(this.options.from) ? { messagingServiceSid: this.options.from } : { from: this.options.from };
    try {
      const created = await this.client.messages.create({ to: message.to, body: message.body, ...sender });
      return { providerId: created.sid };
    } catch (err) {
      throw deliveryErrorOf(err);
    }
  }
}

/** Twilio's 4xx (a bad number, an opted-out recipient, wrong credentials) are final; 429, 5xx and network trouble are not. */
function deliveryErrorOf(err: unknown): DeliveryError {
  if (err instanceof twilio.RestException) {
    const permanent = err.status >= 400 && err.status < 500 && err.status !== 408 && err.status !== 429;
    return new DeliveryError(`Twilio: ${err.status}${err.code !== undefined ? ` (${err.code})` : ''} ${err.message}`.slice(0, 500), permanent, err.status);
  }
  const e = err as { message?: unknown; code?: unknown };
  const detail = typeof e.message === 'string' ? e.message : String(err);
  return new DeliveryError(`Twilio: ${typeof e.code === 'string' ? `${e.code}: ` : ''}${detail}`.slice(0, 500), false);
}
