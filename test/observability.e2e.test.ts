/**
 * What an operator sees of a running node: one log line per request, unexpected errors in the log
 * (and masked for clients in production), request ids, /metrics, and the INTROSPECTION and GRAPHIQL
 * switches. Real servers on PGlite over real HTTP; the log is pino's own output, read back.
 */
import { type CapturedLog, captureLog } from './support/captured-log';
import { wsClient } from './support/graphql-clients';
import { type TestApp, gql, startTestApp } from './support/test-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const INTROSPECTION = '{ __schema { queryType { name } } }';

const post = (url: string, query: string, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });

async function signUpProvider(url: string, email: string): Promise<string> {
  const r = await gql<{ register: { accessToken: string } }>(url, 'mutation($i: RegisterInput!) { register(input: $i) { accessToken } }', {
    i: { email, password: 'correct horse', name: 'Owner', role: 'PROVIDER' },
  });
  if (!r.data) throw new Error(JSON.stringify(r.errors));
  return r.data.register.accessToken;
}

describe('a development node (the defaults)', () => {
  let t: TestApp;
  let log: CapturedLog;
  beforeAll(async () => {
    log = captureLog();
    t = await startTestApp('pglite', { NODE_ENV: 'development' }, { logger: log.logger });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('logs one line per request: id, method, path, status, outcome, operation and duration', async () => {
    const ok = await post(t.url, 'query Health { health { status } }', { 'x-request-id': 'log-test-ok-0001' });
    expect(ok.status).toBe(200);
    const bad = await post(t.url, 'query Broken { nope }', { 'x-request-id': 'log-test-bad-0001' });
    expect(bad.status).toBe(400);
    const missing = await fetch(`${t.baseUrl}/no/such/page`, { headers: { 'x-request-id': 'log-test-404-0001' } });
    expect(missing.status).toBe(404);

    const line = await log.waitFor((l) => l.requestId === 'log-test-ok-0001');
    expect(line).toMatchObject({ msg: 'request', level: 30, method: 'POST', path: '/graphql', status: 200, outcome: 'OK', operationName: 'Health', operationType: 'query' });
    expect(typeof line.durationMs).toBe('number');
    expect(await log.waitFor((l) => l.requestId === 'log-test-bad-0001')).toMatchObject({
      msg: 'request',
      status: 400,
      outcome: 'GRAPHQL_VALIDATION_FAILED',
      operationName: 'Broken',
    });
    expect(await log.waitFor((l) => l.requestId === 'log-test-404-0001')).toMatchObject({ msg: 'request', path: '/no/such/page', status: 404, outcome: 'NOT_FOUND' });
    expect(log.lines.filter((l) => l.requestId === 'log-test-ok-0001')).toHaveLength(1);
  });

  it('keeps an id-shaped X-Request-Id, echoes it, and records it as the correlation id of what the request appends', async () => {
    const token = await signUpProvider(t.url, 'correlated@example.com');
    const created = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': 'trace:0af7651916cd43dd' },
      body: JSON.stringify({ query: 'mutation { createProvider(input: { name: "Correlated", timeZone: "UTC" }) { id } }' }),
    });
    expect(created.headers.get('x-request-id')).toBe('trace:0af7651916cd43dd');
    const providerId = ((await created.json()) as { data: { createProvider: { id: string } } }).data.createProvider.id;
    const history = await gql<{ providerHistory: Array<{ correlationId: string | null }> }>(
      t.url,
      'query($p: ID!) { providerHistory(providerId: $p) { correlationId } }',
      { p: providerId },
      { authorization: `Bearer ${token}` },
    );
    expect(history.data?.providerHistory).toEqual([{ correlationId: 'trace:0af7651916cd43dd' }]);
  });

  it.each([
    ['too short', 'abc1234'],
    ['too long', 'x'.repeat(65)],
    ['spaces', 'not an id at all'],
    ['quotes and braces', '{"id":"12345678"}'],
  ])('replaces an X-Request-Id that is %s with a new UUID', async (_what, given) => {
    const res = await post(t.url, '{ health { status } }', { 'x-request-id': given });
    const id = res.headers.get('x-request-id') ?? '';
    expect(id).toMatch(UUID);
    expect(await log.waitFor((l) => l.requestId === id)).toMatchObject({ msg: 'request', outcome: 'OK' });
  });

  it('gives a request without X-Request-Id a new UUID and echoes it', async () => {
    const res = await fetch(`${t.baseUrl}/healthz`);
    expect(res.headers.get('x-request-id')).toMatch(UUID);
  });

  it('counts unknown paths under one route label, so /metrics stays bounded', async () => {
    for (const p of ['/wp-admin', '/a/b/c', '/graphql/extra', `/random-${Date.now()}`]) expect((await fetch(`${t.baseUrl}${p}`)).status).toBe(404);
    await fetch(`${t.baseUrl}/healthz`);
    const text = await (await fetch(`${t.baseUrl}/metrics`)).text();
    const routes = new Set([...text.matchAll(/slotstream_http_requests_total\{route="([^"]*)"/g)].map((m) => m[1]));
    expect([...routes].sort()).toEqual(expect.arrayContaining(['/healthz', 'unmatched']));
    for (const route of routes) expect(['/graphql', '/healthz', '/metrics', '/graphiql', 'unmatched']).toContain(route);
    expect(text).toMatch(/slotstream_http_requests_total\{route="unmatched",status="404"\} ([4-9]|\d\d+)/);
    expect(text).toMatch(/slotstream_graphql_operations_total\{operation="query",outcome="OK"\} \d+/);
  });

  it('serves /metrics without a token when METRICS_TOKEN is unset', async () => {
    expect((await fetch(`${t.baseUrl}/metrics`)).status).toBe(200);
  });

  it('answers introspection (INTROSPECTION defaults on in development)', async () => {
    const r = await gql<{ __schema: { queryType: { name: string } } }>(t.url, INTROSPECTION);
    expect(r.data?.__schema.queryType.name).toBe('Query');
  });

  it('serves GraphiQL to a browser at GET /graphql, its scripts from this server only', async () => {
    const page = await fetch(t.url, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(sources).toHaveLength(5);
    for (const source of sources) {
      expect(source).toMatch(/^\/graphiql\//);
      const asset = await fetch(`${t.baseUrl}${source}`);
      expect(asset.status).toBe(200);
      expect(Number(asset.headers.get('content-length'))).toBeGreaterThan(100);
    }
    // A GraphQL client's GET still gets GraphQL.
    const get = await fetch(`${t.url}?query=${encodeURIComponent('{ health { status } }')}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(await get.json()).toEqual({ data: { health: { status: 'ok' } } });
  });
});

describe('a production node (NODE_ENV=production behind one proxy, METRICS_TOKEN, GRAPHIQL=false)', () => {
  let t: TestApp;
  let log: CapturedLog;
  beforeAll(async () => {
    log = captureLog();
    t = await startTestApp('pglite', { NODE_ENV: 'production', TRUST_PROXY: 'true', METRICS_TOKEN: 'metrics-secret-0123', GRAPHIQL: 'false' }, { logger: log.logger });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('logs an unexpected error with its stack and request id, while the client sees a masked message', async () => {
    // A broken read model: the providers query now fails in SQL, a failure no rule explains.
    await t.app.runtime.database.pool.query('ALTER TABLE rm_providers RENAME TO rm_providers_away');
    try {
      const res = await post(t.url, 'query Find { providers(search: "x") { edges { node { id } } } }', { 'x-request-id': 'unexpected-0001' });
      const body = (await res.json()) as { errors: Array<Record<string, unknown>> };
      expect(body.errors).toEqual([{ message: 'Internal server error', path: ['providers'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
      expect(JSON.stringify(body)).not.toContain('rm_providers');

      const logged = await log.waitFor((l) => l.msg === 'unexpected error' && l.requestId === 'unexpected-0001');
      expect(logged).toMatchObject({ level: 50, operationName: 'Find' });
      const err = logged.err as { message: string; stack: string };
      expect(err.message).toContain('rm_providers');
      expect(err.stack).toMatch(/\n\s+at /);
      expect(await log.waitFor((l) => l.msg === 'request' && l.requestId === 'unexpected-0001')).toMatchObject({ outcome: 'INTERNAL_SERVER_ERROR' });
    } finally {
      await t.app.runtime.database.pool.query('ALTER TABLE rm_providers_away RENAME TO rm_providers');
    }
  });

  it('logs an unexpected error of an operation over graphql-ws too', async () => {
    await t.app.runtime.database.pool.query('ALTER TABLE rm_providers RENAME TO rm_providers_away');
    const client = wsClient(t.url);
    try {
      const errors = await new Promise<unknown>((resolve, reject) => {
        client.subscribe({ query: 'query OverWs { providers(search: "x") { edges { node { id } } } }' }, { next: (r) => resolve(r.errors), error: reject, complete: () => undefined });
      });
      expect(errors).toEqual([{ message: 'Internal server error', path: ['providers'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
      const logged = await log.waitFor((l) => l.msg === 'unexpected error' && (l.err as { message?: string }).message?.includes('rm_providers') === true && l.requestId !== 'unexpected-0001');
      expect(logged.requestId).toMatch(UUID);
      expect((logged.err as { stack: string }).stack).toMatch(/\n\s+at /);
    } finally {
      await client.dispose();
      await t.app.runtime.database.pool.query('ALTER TABLE rm_providers_away RENAME TO rm_providers');
    }
  });

  it('does not log expected refusals as errors', async () => {
    const res = await post(t.url, '{ provider(id: "nope") { id } }', { 'x-request-id': 'expected-0001' });
    expect(res.status).toBe(200);
    await log.waitFor((l) => l.msg === 'request' && l.requestId === 'expected-0001');
    expect(log.lines.filter((l) => l.level >= 50 && l.requestId === 'expected-0001')).toEqual([]);
  });

  it('requires the bearer token on /metrics when METRICS_TOKEN is set', async () => {
    const none = await fetch(`${t.baseUrl}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    expect(await none.json()).toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
    expect((await fetch(`${t.baseUrl}/metrics`, { headers: { authorization: 'Bearer wrong-secret' } })).status).toBe(401);
    const ok = await fetch(`${t.baseUrl}/metrics`, { headers: { authorization: 'Bearer metrics-secret-0123' } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('slotstream_http_requests_total');
  });

  it('refuses introspection (INTROSPECTION defaults off in production) without hinting at field names', async () => {
    const r = await gql(t.url, INTROSPECTION);
    expect(r.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const typo = await gql(t.url, '{ healt { status } }');
    expect(typo.errors?.[0]?.message).not.toContain('Did you mean');
  });

  it('serves no GraphiQL with GRAPHIQL=false', async () => {
    const page = await fetch(t.url, { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type')).not.toContain('text/html');
    expect((await fetch(`${t.baseUrl}/graphiql/any/graphiql.js`)).status).toBe(404);
  });
});
