/**
 * Twilio's Messages endpoint as a small node:http server: `POST /2010-04-01/Accounts/{sid}/Messages.json`
 * with HTTP basic auth (account SID : auth token) and a form-encoded body, answered like Twilio does
 * (201 with the message resource, or an error object). Switches for faults: answer the next requests
 * with a status (500, 429, …) or never answer them.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedSms {
  readonly sid: string;
  readonly to: string;
  readonly from: string | undefined;
  readonly messagingServiceSid: string | undefined;
  readonly body: string;
}

type Fault = { readonly kind: 'status'; readonly status: number } | { readonly kind: 'hang' };

export class TwilioFake {
  readonly messages: ReceivedSms[] = [];
  /** Every request, including refused ones: method, path, and the outcome's status (0 = never answered). */
  readonly requests: Array<{ readonly method: string; readonly path: string; readonly status: number }> = [];
  private readonly faults: Fault[] = [];
  private readonly hanging = new Set<http.ServerResponse>();
  private server!: http.Server;

  private constructor(
    readonly accountSid: string,
    readonly authToken: string,
  ) {}

  static async start(accountSid = 'AC00000000000000000000000000000001', authToken = 'fake-auth-token'): Promise<TwilioFake> {
    const fake = new TwilioFake(accountSid, authToken);
    fake.server = http.createServer((req, res) => void fake.handle(req, res));
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  /** What TWILIO_API_BASE points at. */
  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Answer the next `count` requests with this status and a Twilio error body. */
  failNext(count: number, status: number): void {
    for (let i = 0; i < count; i++) this.faults.push({ kind: 'status', status });
  }

  /** Accept the next `count` requests and never answer them (until `stop()`). */
  hangNext(count: number): void {
    for (let i = 0; i < count; i++) this.faults.push({ kind: 'hang' });
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = req.url ?? '';
    const answer = (status: number, body: unknown): void => {
      this.requests.push({ method: req.method ?? '', path, status });
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(path);
    if (req.method !== 'POST' || !match) return answer(404, twilioError(20404, 'The requested resource was not found', 404));
    if (!this.authorized(req.headers.authorization) || match[1] !== this.accountSid) {
      return answer(401, twilioError(20003, 'Authenticate', 401));
    }
    const fault = this.faults.shift();
    if (fault?.kind === 'hang') {
      this.requests.push({ method: req.method, path, status: 0 });
      this.hanging.add(res);
      return;
    }
    if (fault?.kind === 'status') {
      return answer(fault.status, twilioError(fault.status === 429 ? 20429 : 20500, fault.status === 429 ? 'Too Many Requests' : 'Internal Server Error', fault.status));
    }
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const to = form.get('To');
    const body = form.get('Body');
    if (!to || body === null || (!form.get('From') && !form.get('MessagingServiceSid'))) {
      return answer(400, twilioError(21604, "A 'To' phone number, a 'From' or 'MessagingServiceSid', and a 'Body' are required.", 400));
    }
    if (!/^\+[1-9]\d{6,14}$/.test(to)) return answer(400, twilioError(21211, `The 'To' number ${to} is not a valid phone number.`, 400));
    const message: ReceivedSms = {
      sid: `SM${(this.messages.length + 1).toString(16).padStart(32, '0')}`,
      to,
      from: form.get('From') ?? undefined,
      messagingServiceSid: form.get('MessagingServiceSid') ?? undefined,
      body,
    };
    this.messages.push(message);
    answer(201, {
      sid: message.sid,
      account_sid: this.accountSid,
      to: message.to,
      from: message.from ?? null,
      messaging_service_sid: message.messagingServiceSid ?? null,
      body: message.body,
      status: 'queued',
      num_segments: '1',
      direction: 'outbound-api',
      api_version: '2010-04-01',
      uri: `/2010-04-01/Accounts/${this.accountSid}/Messages/${message.sid}.json`,
    });
  }

  private authorized(header: string | undefined): boolean {
    const m = /^Basic (.+)$/.exec(header ?? '');
    return m !== null && Buffer.from(m[1]!, 'base64').toString('utf8') === `${this.accountSid}:${this.authToken}`;
  }
}

function twilioError(code: number, message: string, status: number): Record<string, unknown> {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}
