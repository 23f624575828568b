/**
 * A webhook receiver as a small node:http server that checks every delivery with the `standardwebhooks`
 * library, as a customer's receiver would, and records (webhook-id, body). Switches for faults: answer
 * the next deliveries with a status (500 …), never answer them (the sender times out), redirect them,
 * or answer with a huge body.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  readonly webhookId: string;
  readonly timestamp: string;
  readonly path: string;
  readonly body: unknown;
  /** The signature checked out with the endpoint's secret. */
  readonly verified: boolean;
}

type Fault =
  | { readonly kind: 'status'; readonly status: number; readonly body?: string }
  | { readonly kind: 'hang' }
  | { readonly kind: 'redirect'; readonly location: string };

export class WebhookReceiver {
  /** Deliveries that verified and were answered 2xx. */
  readonly deliveries: ReceivedWebhook[] = [];
  /** Every request that reached the server, whatever it was answered. */
  readonly attempts: ReceivedWebhook[] = [];
  private readonly faults: Fault[] = [];
  private readonly hanging = new Set<http.ServerResponse>();
  private server!: http.Server;

  private constructor(private readonly secret: string) {}

  static async start(secret: string): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(secret);
    receiver.server = http.createServer((req, res) => void receiver.handle(req, res));
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** http://127.0.0.1:<port><path> */
  url(path = '/hooks'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  failNext(count: number, status: number, body?: string): void {
    for (let i = 0; i < count; i++) this.faults.push({ kind: 'status', status, ...(body !== undefined ? { body } : {}) });
  }

  hangNext(count: number): void {
    for (let i = 0; i < count; i++) this.faults.push({ kind: 'hang' });
  }

  redirectNext(count: number, location: string): void {
    for (let i = 0; i < count; i++) this.faults.push({ kind: 'redirect', location });
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const header = (name: string): string => {
      const v = req.headers[name];
      return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
    };
    const headers = { 'webhook-id': header('webhook-id'), 'webhook-timestamp': header('webhook-timestamp'), 'webhook-signature': header('webhook-signature') };
    let verified = true;
    try {
      new Webhook(this.secret).verify(raw, headers);
    } catch {
      verified = false;
    }
    let body: unknown = raw;
    try {
      body = JSON.parse(raw);
    } catch {
      // Kept as text.
    }
    const received: ReceivedWebhook = { webhookId: headers['webhook-id'], timestamp: headers['webhook-timestamp'], path: req.url ?? '', body, verified };
    this.attempts.push(received);

    const fault = this.faults.shift();
    if (fault?.kind === 'hang') {
      this.hanging.add(res);
      return;
    }
    if (fault?.kind === 'redirect') {
      res.writeHead(307, { location: fault.location }).end();
      return;
    }
    if (fault?.kind === 'status') {
      res.writeHead(fault.status, { 'content-type': 'text/plain' }).end(fault.body ?? `receiver answered ${fault.status}`);
      return;
    }
    if (!verified) {
      res.writeHead(401, { 'content-type': 'text/plain' }).end('bad signature');
      return;
    }
    this.deliveries.push(received);
    res.writeHead(204).end();
  }
}
