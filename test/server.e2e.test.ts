import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { collectProcessMetrics } from '../src/metrics';
import { type TestApp, gql, startTestApp } from './support/test-app';
import { testBackends } from './support/test-database';

/** As src/main.ts does once per process: the process's own metrics, served by every app. */
const processMetrics = collectProcessMetrics();

describe.each(testBackends())('the server on %s', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(backend, {}, { processMetrics });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('answers GET /healthz with 200 while the database answers', async () => {
    const res = await fetch(`${t.baseUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', database: backend, eventStore: backend });
  });

  it('answers the health query over GraphQL', async () => {
    const r = await gql<{ health: { status: string; databaseUp: boolean } }>(t.url, '{ health { status databaseUp database } }');
    expect(r.status).toBe(200);
    expect(r.data?.health).toEqual({ status: 'ok', databaseUp: true, database: backend });
  });

  it('serves Prometheus metrics that count requests', async () => {
    await fetch(`${t.baseUrl}/healthz`);
    const res = await fetch(`${t.baseUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(/slotstream_http_requests_total\{route="\/healthz",status="200"\} \d+/);
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('refuses malformed JSON, oversized bodies and unknown routes with a code', async () => {
    const bad = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ errors: [{ message: 'Request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] });
    const huge = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `{ health { status } } #${'x'.repeat(1_100_000)}` }) });
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]?.extensions.code).toBe('PAYLOAD_TOO_LARGE');
    const missing = await fetch(`${t.baseUrl}/nope`);
    expect(missing.status).toBe(404);
  });

  it('reports GraphQL syntax errors with a code and no stack trace', async () => {
    const r = await gql(t.url, '{ health { ');
    expect(r.status).toBe(400);
    expect(r.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(JSON.stringify(r.errors)).not.toContain('stacktrace');
  });
});

describe('embedded mode', () => {
  const dirs: string[] = [];
  const tempDir = (): string => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'slotstream-embedded-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });
  const start = (dataDir: string) =>
    startApp(loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, NODE_ENV: 'test' }), { logger: createLogger('silent') });

  it('generates a JWT secret once and keeps it in the data folder across restarts', async () => {
    const dir = tempDir();
    const first = await start(dir);
    const secret = first.runtime.secrets.jwtSecret;
    await first.stop();
    const second = await start(dir);
    expect(second.runtime.secrets.jwtSecret).toBe(secret);
    expect(secret.length).toBeGreaterThanOrEqual(32);
    await second.stop();
  });

  it('starts although a pid file left in the folder names a live, unrelated process', async () => {
    const dir = tempDir();
    // What an older version left behind, naming a pid since reused by someone else (our parent).
    fs.writeFileSync(path.join(dir, 'slotstream.pid'), String(process.ppid));
    const app = await start(dir);
    await app.stop();
  });

  it('refuses a second process on the same data folder with a clear message, and starts once that process is killed', async () => {
    const dir = tempDir();
    const holder = spawn(
      process.execPath,
      ['-r', path.join(__dirname, 'torture/support/ts-register.js'), '-e', "require('./src/db/data-dir-lock').lockDataDir(process.argv[1]).then(() => { console.log('locked'); setInterval(() => undefined, 60_000); })", dir],
      { cwd: path.join(__dirname, '..'), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise((resolve) => holder.once('exit', resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && resolve());
        holder.once('exit', (code) => reject(new Error(`the lock holder exited with ${code}`)));
      });
      await expect(start(dir)).rejects.toThrow(`The data folder ${dir} is in use by process ${holder.pid}`);
    } finally {
      holder.kill('SIGKILL');
    }
    await exited;
    // No clean-up by the holder: the operating system released the lock when it died.
    const app = await start(dir);
    await app.stop();
  });

  it('finishes an in-flight request before stopping', async () => {
    const dir = tempDir();
    const app = await start(dir);
    const body = JSON.stringify({ query: '{ health { status } }' });
    const arrived = new Promise<void>((resolve) => app.httpServer.once('request', () => resolve()));
    // Send the headers and half the body, so the request is in flight on the server when stop() begins.
    const req = http.request(app.url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(body.length) } });
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      req.on('response', (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
    });
    req.write(body.slice(0, 10));
    await arrived;
    const stopped = app.stop();
    req.end(body.slice(10));
    const res = await response;
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ data: { health: { status: 'ok' } } });
    await stopped;
    await expect(fetch(`${app.url.replace('/graphql', '')}/healthz`)).rejects.toThrow();
  });
});
