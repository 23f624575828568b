/**
 * The real server as a separate node process, run from the TypeScript sources through
 * ts-register.js (`node -r ./test/torture/support/ts-register.js src/main.ts`). The listening URL
 * comes from the server's own start-up log line ("Slotstream is serving", field `url`), so PORT=0
 * works: every start gets a free port.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { GENEROUS_LIMITS } from '../../support/test-app';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const HOOK = path.join(__dirname, 'ts-register.js');

export interface ServerProcess {
  readonly pid: number;
  /** The /graphql URL, once the server logs that it is serving. */
  readonly ready: Promise<string>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Log lines at level error or above (pino level >= 50), and anything on stderr. */
  readonly errors: string[];
  /** The last lines of output, for failure messages. */
  tail(): string;
  kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnServer(env: Record<string, string>, options: { startTimeoutMs?: number } = {}): ServerProcess {
  const child: ChildProcess = spawn(process.execPath, ['-r', HOOK, path.join('src', 'main.ts')], {
    cwd: ROOT,
    // A clean environment: only what a node needs plus the server's configuration.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TMPDIR: process.env.TMPDIR ?? '/tmp', LOG_LEVEL: 'info', NODE_ENV: 'test', ...GENEROUS_LIMITS, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error('the server process did not start');
  const lines: string[] = [];
  const errors: string[] = [];
  const keep = (line: string): void => {
    lines.push(line);
    if (lines.length > 200) lines.shift();
  };
  let resolveReady!: (url: string) => void;
  let rejectReady!: (err: Error) => void;
  const ready = new Promise<string>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  ready.catch(() => undefined);
  const tail = (): string => lines.slice(-40).join('\n');

  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    keep(line);
    let entry: { level?: number; msg?: string; url?: string };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      return;
    }
    if ((entry.level ?? 0) >= 50) errors.push(line);
    if (entry.msg === 'Slotstream is serving' && typeof entry.url === 'string') resolveReady(entry.url);
  });
  readline.createInterface({ input: child.stderr! }).on('line', (line) => {
    keep(`stderr: ${line}`);
    errors.push(`stderr: ${line}`);
  });

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      rejectReady(new Error(`the server exited (code ${code}, signal ${signal}) before serving:\n${tail()}`));
      resolve({ code, signal });
    });
  });
  const timer = setTimeout(() => rejectReady(new Error(`the server did not start in ${options.startTimeoutMs ?? 90_000} ms:\n${tail()}`)), options.startTimeoutMs ?? 90_000);
  void exited.then(() => clearTimeout(timer));
  void ready.then(() => clearTimeout(timer), () => clearTimeout(timer));

  return {
    pid: child.pid,
    ready,
    exited,
    errors,
    tail,
    kill: async (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
