import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { type ApolloServer, HeaderMap } from '@apollo/server';
import type { GraphQLContext } from '../graphql/context';
import type { Runtime } from '../runtime';

class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export interface HttpServer {
  readonly server: http.Server;
  listen(): Promise<AddressInfo>;
  /** Stop accepting, let in-flight requests finish (bounded by the shutdown timeout), then close. */
  close(): Promise<void>;
  /** Extra shutdown hook for WebSocket servers sharing the port. */
  onClose(fn: () => Promise<void>): void;
}

/** Plain node:http in front of Apollo: /graphql, /healthz, /metrics, all on one port. */
export function createHttpServer(runtime: Runtime, apollo: ApolloServer<GraphQLContext>, buildContext: (req: http.IncomingMessage, requestId: string) => Promise<GraphQLContext>): HttpServer {
  const { config, metrics, logger } = runtime;
  let inFlight = 0;
  let draining = false;
  let drained: (() => void) | null = null;
  const closeHooks: Array<() => Promise<void>> = [];

  const server = http.createServer((req, res) => {
    const started = process.hrtime.bigint();
    const route = routeOf(req.url ?? '/');
    inFlight++;
    res.on('close', () => {
      inFlight--;
      metrics.httpRequests.inc({ route, status: String(res.statusCode) });
      metrics.httpDuration.observe({ route }, Number(process.hrtime.bigint() - started) / 1e9);
      if (draining && inFlight === 0) drained?.();
    });
    if (draining) res.setHeader('Connection', 'close');
    applyCors(req, res, config.corsOrigins);
    handle(req, res, route).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      const code = err instanceof HttpError ? err.code : 'INTERNAL_SERVER_ERROR';
      if (status === 500) logger.error({ err }, 'unhandled HTTP error');
      const message = err instanceof HttpError ? err.message : 'Internal server error';
      if (!res.headersSent) sendJson(res, status, { errors: [{ message, extensions: { code } }] });
      else res.end();
    });
  });
  // Slow-loris guard; Apollo requests are short and subscriptions use WebSocket upgrades.
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, route: string): Promise<void> {
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    if (route === '/healthz') {
      const up = !draining && (await runtime.checkDatabase());
      sendJson(res, up ? 200 : 503, { status: up ? 'ok' : 'unavailable', database: runtime.database.pool.kind, eventStore: runtime.eventStore.name });
      return;
    }
    if (route === '/metrics') {
      res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(await metrics.registry.metrics());
      return;
    }
    if (route !== '/graphql') throw new HttpError(404, 'NOT_FOUND', `No route ${req.method ?? ''} ${req.url ?? ''}`);
    if (req.method !== 'POST' && req.method !== 'GET') throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'Use POST (or GET for queries) on /graphql');

    const requestId = headerValue(req.headers['x-request-id']) ?? randomUUID();
    res.setHeader('X-Request-Id', requestId);
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const body = req.method === 'POST' ? await readJsonBody(req, config.maxBodyBytes) : undefined;
    const url = new URL(req.url ?? '/', 'http://localhost');
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method, headers, search: url.search, body },
      context: () => buildContext(req, requestId),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }

  return {
    server,
    listen: () =>
      new Promise<AddressInfo>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      }),
    onClose: (fn) => {
      closeHooks.push(fn);
    },
    close: async () => {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      for (const hook of closeHooks) await hook();
      if (inFlight > 0) {
        await Promise.race([
          new Promise<void>((resolve) => (drained = resolve)),
          new Promise<void>((resolve) => setTimeout(resolve, config.shutdownTimeoutMs).unref()),
        ]);
      }
      server.closeAllConnections();
      await closed;
    },
  };
}

function routeOf(url: string): string {
  const pathOnly = url.split('?')[0] ?? '/';
  return pathOnly.length > 1 && pathOnly.endsWith('/') ? pathOnly.slice(0, -1) : pathOnly;
}

const headerValue = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

function applyCors(req: http.IncomingMessage, res: http.ServerResponse, allowed: readonly string[]): void {
  const origin = headerValue(req.headers.origin);
  if (!origin) return;
  if (allowed.includes('*')) res.setHeader('Access-Control-Allow-Origin', '*');
  else if (allowed.includes(origin)) {
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Vary', 'Origin');
  } else return;
  res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Authorization, X-Request-Id, Apollo-Require-Preflight');
  res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
  res.setHeader('Access-Control-Max-Age', '600');
}

async function readJsonBody(req: http.IncomingMessage, limit: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) {
    req.resume();
    throw new HttpError(413, 'PAYLOAD_TOO_LARGE', `Request body exceeds ${limit} bytes`);
  }
  // Listeners, not `for await`: leaving a for-await loop early destroys the request and with it the
  // socket, so a client sending a chunked body over the limit got a connection reset, not the 413.
  const text = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      // Answer now; the rest of the body is read and dropped (as above), bounded by the request timeout.
      req.off('data', onData);
      req.resume();
      reject(new HttpError(413, 'PAYLOAD_TOO_LARGE', `Request body exceeds ${limit} bytes`));
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
    // Closed before its end (the client went away): settle, so nothing waits forever.
    req.once('close', () => reject(new HttpError(400, 'BAD_REQUEST', 'The request body was cut off')));
  });
  const type = headerValue(req.headers['content-type']) ?? '';
  if (!type.includes('json')) return text;
  if (text.trim() === '') throw new HttpError(400, 'BAD_REQUEST', 'Request body is empty; send a JSON GraphQL request');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'BAD_REQUEST', 'Request body is not valid JSON');
  }
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}
