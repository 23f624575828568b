import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseUserCreateArgs, runUserCreate } from '../src/accounts/user-create-cli';
import { loadConfig } from '../src/config';
import { type TestApp, gql, startTestApp } from './support/test-app';
import { createTestPostgres } from './support/test-database';

describe('user:create', () => {
  it('parses the command line and refuses a missing or unknown option', () => {
    expect(parseUserCreateArgs(['--email', 'a@b.c', '--role', 'admin', '--name', 'Ada Root'])).toEqual({ email: 'a@b.c', role: 'ADMIN', name: 'Ada Root', password: undefined });
    expect(parseUserCreateArgs(['--email=a@b.c', '--role=AUDITOR', '--name=A', '--password=long enough'])).toMatchObject({ role: 'AUDITOR', password: 'long enough' });
    expect(() => parseUserCreateArgs(['--email', 'a@b.c', '--name', 'A'])).toThrow('Missing --role');
    expect(() => parseUserCreateArgs(['--email', 'a@b.c', '--role', 'ROOT', '--name', 'A'])).toThrow('--role must be one of CUSTOMER, PROVIDER, ADMIN, AUDITOR (got "ROOT")');
    expect(() => parseUserCreateArgs(['--email', 'a@b.c', '--role', 'ADMIN', '--name', 'A', '--admin'])).toThrow();
  });

  it('creates an ADMIN on the PostgreSQL server with a generated password that then signs in over HTTP', async () => {
    const pgdb = await createTestPostgres();
    let t: TestApp | undefined;
    try {
      const lines: string[] = [];
      const config = loadConfig({ DATABASE_URL: pgdb.url, LOG_LEVEL: 'silent' });
      const { id, password } = await runUserCreate(parseUserCreateArgs(['--email', 'root@example.com', '--role', 'ADMIN', '--name', 'Root']), config, (l) => lines.push(l));
      expect(lines).toEqual([`created ADMIN root@example.com (id ${id})`, `password: ${password}`]);
      expect(password).toHaveLength(24);
      await expect(runUserCreate({ email: 'ROOT@example.com', role: 'AUDITOR', name: 'Again', password: 'long enough' }, config, () => undefined)).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'email' } });

      t = await startTestApp('postgres', { DATABASE_URL: pgdb.url });
      const r = await gql<{ login: { user: { role: string } } }>(t.url, 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { user { role } } }', { e: 'root@example.com', p: password });
      expect(r.data?.login.user.role).toBe('ADMIN');
    } finally {
      await t?.app.stop();
      await pgdb.drop();
    }
  });

  it('uses the embedded database of DATA_DIR, with its lock, when DATABASE_URL is unset', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slotstream-usercreate-'));
    try {
      const config = loadConfig({ DATA_DIR: dir });
      const lines: string[] = [];
      await runUserCreate({ email: 'aud@example.com', role: 'AUDITOR', name: 'Audrey', password: 'long enough' }, config, (l) => lines.push(l));
      expect(lines).toEqual([expect.stringMatching(/^created AUDITOR aud@example\.com \(id [0-9a-f-]{36}\)$/)]);
      expect(fs.existsSync(path.join(dir, 'slotstream.pid'))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
