import http from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { type ApolloServer, HeaderMap } from '@apollo/server';
import type { GraphQLContext } from '../graphql/context';
import { isUnexpectedError } from '../graphql/errors';
import { apiExamples, demoExampleContext } from '../graphql/examples';
import type { Runtime } from '../runtime';
import { GRAPHIQL_ASSETS, graphiqlAsset, graphiqlPage, wantsHtml } from './graphiql';
import { requestIdOf } from './request-id';
import { type RequestTrace, logUnexpectedError, outcomeOf, traceWithContext } from './request-trace';

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

/**
 * Plain node:http in front of Apollo: /graphql (and GraphiQL for browsers), /healthz, /metrics, all on
 * one port. Every request gets an id (`X-Request-Id`, see request-id.ts), is counted by route, and
 * ends with one log line: id, method, path, status, outcome code, GraphQL operation and duration.
 */
export function createHttpServer(runtime: Runtime, apollo: ApolloServer<GraphQLContext>, buildContext: (req: http.IncomingMessage, requestId: string) => Promise<GraphQLContext>): HttpServer {
  const { config, metrics, logger } = runtime;
  let inFlight = 0;
  let draining = false;
  let drained: (() => void) | null = null;
  const closeHooks: Array<() => Promise<void>> = [];

  const server = http.createServer((req, res) => {
    const started = process.hrtime.bigint();
    const path = pathOf(req.url ?? '/');
    const route = routeLabelOf(path);
    const trace: RequestTrace = { requestId: requestIdOf(req.headers['x-request-id']), operationName: null, operationType: null, outcome: null };
    res.setHeader('X-Request-Id', trace.requestId);
    inFlight++;
    res.on('close', () => {
      inFlight--;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const outcome = trace.outcome ?? (res.writableFinished ? 'OK' : 'ABORTED');
      metrics.httpRequests.inc({ route, status: String(res.statusCode) });
      metrics.httpDuration.observe({ route }, seconds);
      logger.info(
        {
          requestId: trace.requestId,
          method: req.method,
          path: path.slice(0, 200),
          status: res.statusCode,
          outcome,
          operationName: trace.operationName,
          operationType: trace.operationType,
          durationMs: Math.round(seconds * 10_000) / 10,
        },
        'request',
      );
      if (draining && inFlight === 0) drained?.();
    });
    if (draining) res.setHeader('Connection', 'close');
    applyCors(req, res, config.corsOrigins);
    handle(req, res, route, path, trace).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      const code = err instanceof HttpError ? err.code : 'INTERNAL_SERVER_ERROR';
      trace.outcome = code;
      if (status === 500) logUnexpectedError(logger, err, { requestId: trace.requestId });
      const message = err instanceof HttpError ? err.message : 'Internal server error';
      if (!res.headersSent) sendJson(res, status, { errors: [{ message, extensions: { code } }] });
      else res.end();
    });
  });
  // Slow-loris guard; Apollo requests are short and subscriptions use WebSocket upgrades.
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, route: string, path: string, trace: RequestTrace): Promise<void> {
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    if (route === '/healthz') {
      const up = !draining && (await runtime.checkDatabase());
      trace.outcome = up ? 'OK' : 'UNAVAILABLE';
      sendJson(res, up ? 200 : 503, { status: up ? 'ok' : 'unavailable', database: runtime.database.pool.kind, eventStore: runtime.eventStore.name });
      return;
    }
    if (route === '/metrics') {
      if (config.metricsToken !== undefined && !bearerMatches(headerValue(req.headers.authorization), config.metricsToken)) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
        throw new HttpError(401, 'UNAUTHENTICATED', 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>');
      }
      res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(await metrics.registry.metrics());
      return;
    }
    if (route === GRAPHIQL_ROUTE && config.graphiql) {
      const asset = req.method === 'GET' ? graphiqlAsset(path) : undefined;
      if (!asset) throw new HttpError(404, 'NOT_FOUND', `No route ${req.method ?? ''} ${path}`);
      res.writeHead(200, asset.headers).end(asset.body);
      return;
    }
    if (route !== '/graphql') throw new HttpError(404, 'NOT_FOUND', `No route ${req.method ?? ''} ${path}`);
    if (req.method !== 'POST' && req.method !== 'GET') throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'Use POST (or GET for queries) on /graphql');
    if (req.method === 'GET' && config.graphiql && wantsHtml(headerValue(req.headers.accept))) {
      const page = graphiqlPage('/graphql', apiExamples(await demoExampleContext(runtime.readSide.queries, runtime.clock())));
      res.writeHead(200, page.headers).end(page.body);
      return;
    }

    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const body = req.method === 'POST' ? await readJsonBody(req, config.maxBodyBytes) : undefined;
    const url = new URL(req.url ?? '/', 'http://localhost');
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method, headers, search: url.search, body },
      context: async () => {
        try {
          return traceWithContext(await buildContext(req, trace.requestId), trace);
        } catch (err) {
          if (isUnexpectedError(err)) logUnexpectedError(logger, err, { requestId: trace.requestId });
          throw err;
        }
      },
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      // Refused before any operation ran (a bad token, a request Apollo cannot read): the code is in the answer.
      trace.outcome ??= outcomeOfAnswer(response.body.string);
      metrics.graphqlOperations.inc({ operation: trace.operationType ?? 'unknown', outcome: trace.outcome });
      res.end(response.body.string);
      return;
    }
    metrics.graphqlOperations.inc({ operation: trace.operationType ?? 'unknown', outcome: trace.outcome ?? 'OK' });
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

function pathOf(url: string): string {
  const pathOnly = url.split('?')[0] ?? '/';
  return pathOnly.length > 1 && pathOnly.endsWith('/') ? pathOnly.slice(0, -1) : pathOnly;
}

const ROUTES: ReadonlySet<string> = new Set(['/graphql', '/healthz', '/metrics']);
const GRAPHIQL_ROUTE = GRAPHIQL_ASSETS.slice(0, -1);

/** The metrics label of a path: one of our routes, or `unmatched` for anything else (bounded cardinality). */
function routeLabelOf(path: string): string {
  if (ROUTES.has(path)) return path;
  return path.startsWith(GRAPHIQL_ASSETS) ? GRAPHIQL_ROUTE : 'unmatched';
}

/** Constant-time comparison (of hashes, so lengths do not leak either). */
function bearerMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer +(\S+)$/i.exec(header ?? '')?.[1];
  if (given === undefined) return false;
  const digest = (v: string): Buffer => createHash('sha256').update(v).digest();
  return timingSafeEqual(digest(given), digest(token));
}

function outcomeOfAnswer(body: string): string {
  try {
    return outcomeOf((JSON.parse(body) as { errors?: Array<{ extensions?: Record<string, unknown> }> }).errors);
  } catch {
    return 'INTERNAL_SERVER_ERROR';
  }
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
