/**
 * `npm start` that cannot start: the real entry point (src/main.ts) as its own process. It must say
 * why in one log line, dump no stack trace, and exit with code 1.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const HOOK = path.join(ROOT, 'test', 'torture', 'support', 'ts-register.js');

function start(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['-r', HOOK, path.join('src', 'main.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

/** The one fatal line, and that nothing else went wrong on the way. */
function failureOf(run: { code: number | null; stdout: string; stderr: string }): string {
  expect(run.code).toBe(1);
  expect(run.stderr).toBe('');
  const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { level: number; msg: string });
  const fatal = lines.filter((l) => l.level >= 50);
  expect(fatal).toHaveLength(1);
  expect(run.stdout).not.toMatch(/\n\s+at /);
  return fatal[0]?.msg ?? '';
}

describe('a start that fails', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('names every bad variable in one line', async () => {
    const msg = failureOf(await start({ PORT: 'eighty', LOG_LEVEL: 'loud' }));
    expect(msg).toBe('Slotstream failed to start: invalid configuration: PORT must be an integer from 0 to 65535 (got "eighty"); LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")');
  });

  it('says the database cannot be opened when DATABASE_URL does not answer', async () => {
    const msg = failureOf(await start({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere' }));
    expect(msg).toBe('Slotstream failed to start: cannot open the database: connect ECONNREFUSED 127.0.0.1:1');
  });

  it('says the port is in use', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as net.AddressInfo;
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'slotstream-startup-'));
    dirs.push(dataDir);
    try {
      const msg = failureOf(await start({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir }));
      expect(msg).toBe(`Slotstream failed to start: listen EADDRINUSE: address already in use 127.0.0.1:${port}`);
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });
});
