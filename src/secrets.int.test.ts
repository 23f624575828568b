/** Secrets kept in the database when the environment does not give them, on both database backends. */
import type { OpenedDatabase } from './db/database';
import { resolveEncryptionKeys } from './secrets';
import { SecretBox } from './security/secret-box';
import { openTestDatabase, testBackends } from '../test/support/test-database';

describe.each(testBackends())('resolveEncryptionKeys on %s', (backend) => {
  let database: OpenedDatabase;
  beforeAll(async () => {
    database = await openTestDatabase(backend);
  });
  afterAll(async () => {
    await database.close();
  });

  it('given no ENCRYPTION_KEY, then a key is generated once and every later call (another node, a restart) gets the same', async () => {
    const [first, second] = await Promise.all([resolveEncryptionKeys(database.db, undefined), resolveEncryptionKeys(database.db, undefined)]);
    expect(first).toHaveLength(1);
    expect(first![0]).toHaveLength(32);
    expect(second).toEqual(first);
    const sealed = new SecretBox(first!).seal('token', 'ctx');
    expect(new SecretBox(await resolveEncryptionKeys(database.db, undefined)).open(sealed, 'ctx')).toBe('token');
  });

  it('given ENCRYPTION_KEY, then its keys are used, in order, whatever is kept', async () => {
    const a = Buffer.alloc(32, 1);
    const b = Buffer.alloc(32, 2);
    await expect(resolveEncryptionKeys(database.db, `${a.toString('base64')},${b.toString('base64url')}`)).resolves.toEqual([a, b]);
  });
});
