import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * PGlite is one process's database: a second process opening the same folder would corrupt it.
 *
 * The lock is a local socket the holder listens on, named after the folder's real path. The operating
 * system releases it when the process ends, however it ends (SIGKILL, a crash, a power cut), so there
 * is never a stale lock to clean up, and nothing about other processes is guessed: a pid file (the
 * old way) could name a live, unrelated process once pids were reused, and then refused to start.
 * A second process that finds the name taken asks the holder for its pid, for the message.
 *
 * - Linux: an abstract socket (a name, no file).
 * - Windows: a named pipe.
 * - Elsewhere (macOS): a socket file in the temp folder; one left by a dead process answers nothing
 *   when connected to, and is then taken over.
 *
 * Why not flock(2): Node has no binding for it, and the npm packages that add one are native addons
 * to compile (fs-ext); a socket needs nothing beyond Node itself.
 */
export async function lockDataDir(dataDir: string): Promise<() => void> {
  fs.mkdirSync(dataDir, { recursive: true });
  const name = lockNameOf(fs.realpathSync(dataDir));
  const server = net.createServer((socket) => socket.end(String(process.pid)));
  // Never keeps the process alive on its own; a connection to ask for the pid is answered and closed.
  server.unref();
  for (let attempt = 0; ; attempt++) {
    try {
      await listen(server, name);
      return () => {
        server.close();
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      const holder = await holderOf(name);
      if (holder === null && isSocketFile(name) && attempt === 0) {
        fs.rmSync(name, { force: true }); // left by a process that is gone
        continue;
      }
      throw new Error(`The data folder ${dataDir} is in use by process ${holder ?? 'unknown'}. Stop it, or set DATA_DIR to another folder.`);
    }
  }
}

function lockNameOf(realDir: string): string {
  const id = `slotstream-data-${createHash('sha256').update(realDir).digest('hex').slice(0, 32)}`;
  if (process.platform === 'linux') return `\0${id}`;
  if (process.platform === 'win32') return `\\\\?\\pipe\\${id}`;
  return path.join(os.tmpdir(), `${id}.sock`);
}

const isSocketFile = (name: string): boolean => !name.startsWith('\0') && !name.startsWith('\\\\');

function listen(server: net.Server, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(name, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** The pid the lock's holder answers with; null when nobody answers (a socket file left behind). */
function holderOf(name: string): Promise<string | null> {
  return new Promise((resolve) => {
    let answer = '';
    const socket = net.connect(name);
    socket.setTimeout(2000, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
    socket.on('error', () => resolve(null));
    socket.on('close', () => resolve(/^\d+$/.test(answer.trim()) ? answer.trim() : answer === '' ? null : 'unknown'));
  });
}
