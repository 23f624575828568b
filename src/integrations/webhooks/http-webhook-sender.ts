import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { type LookupAll, resolveAllowedAddress } from './network-guard';
import { signWebhook } from './webhook-signing';
import type { WebhookOutcome, WebhookRequest, WebhookSender } from './webhook-sender';

export interface HttpWebhookSenderOptions {
  /** WEBHOOK_ALLOW_PRIVATE_NETWORKS: let endpoints on loopback/private/link-local addresses be called. */
  readonly allowPrivateNetworks: boolean;
  /** The whole attempt: connect, send, answer and body (default 10 s). */
  readonly timeoutMs?: number;
  /** How much of an answer's body is read at most (default 64 KiB); the rest is never downloaded. */
  readonly maxResponseBytes?: number;
  readonly lookup?: LookupAll;
}

const ERROR_SNIPPET = 200;

/**
 * One webhook delivery over node:http(s), SSRF-safe: the host is resolved once, every answer checked
 * (network-guard.ts), and the socket connects to that checked address through a custom `lookup` —
 * there is no second DNS query a rebinding attacker could answer differently. TLS still verifies the
 * certificate against the URL's host name. Redirects are not followed: a 3xx is a failed attempt.
 */
export class HttpWebhookSender implements WebhookSender {
  constructor(private readonly options: HttpWebhookSenderOptions) {}

  async deliver(request: WebhookRequest): Promise<WebhookOutcome> {
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    const signal = AbortSignal.timeout(timeoutMs);
    let url: URL;
    try {
      url = new URL(request.url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return failed(null, `unsupported scheme ${url.protocol}`);
      const target = await resolveAllowedAddress(url.hostname, this.options);
      const pinned: LookupFunction = (_hostname, lookupOptions, callback) => {
        // Node asks for every address when it may try several (autoSelectFamily): it gets only ours.
        if (lookupOptions.all) (callback as unknown as (err: null, addresses: Array<{ address: string; family: number }>) => void)(null, [target]);
        else callback(null, target.address, target.family);
      };
      const body = Buffer.from(request.body, 'utf8');
      const headers = {
        ...signWebhook(request.secret, request),
        'content-type': 'application/json',
        'content-length': String(body.length),
        'user-agent': 'Slotstream-Webhooks/1',
      };
      const { status, snippet } = await post(url, headers, body, { lookup: pinned, signal, maxResponseBytes: this.options.maxResponseBytes ?? 65_536 });
      if (status >= 200 && status < 300) return { delivered: true, status, error: null };
      if (status >= 300 && status < 400) return failed(status, `HTTP ${status}: redirect not followed`);
      return failed(status, `HTTP ${status}${snippet ? `: ${snippet}` : ''}`);
    } catch (err) {
      if (signal.aborted) return failed(null, `no answer within ${timeoutMs} ms`);
      return failed(null, err instanceof Error ? err.message : String(err));
    }
  }
}

function failed(status: number | null, error: string): WebhookOutcome {
  return { delivered: false, status, error: error.slice(0, ERROR_SNIPPET + 40) };
}

function post(
  url: URL,
  headers: Record<string, string>,
  body: Buffer,
  options: { readonly lookup: LookupFunction; readonly signal: AbortSignal; readonly maxResponseBytes: number },
): Promise<{ status: number; snippet: string }> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      url,
      { method: 'POST', headers, lookup: options.lookup, signal: options.signal, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        let received = 0;
        const finish = (): void => {
          res.destroy();
          const text = Buffer.concat(chunks).toString('utf8').replace(/\s+/g, ' ').trim();
          resolve({ status: res.statusCode ?? 0, snippet: text.slice(0, ERROR_SNIPPET) });
        };
        res.on('data', (chunk: Buffer) => {
          if (received < options.maxResponseBytes) chunks.push(chunk.subarray(0, options.maxResponseBytes - received));
          received += chunk.length;
          // Enough read: a receiver streaming an endless body costs us no more than the cap.
          if (received >= options.maxResponseBytes) finish();
        });
        res.on('end', finish);
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
