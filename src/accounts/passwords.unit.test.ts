import { hashPassword, verifyAgainstDummy, verifyPassword } from './passwords';

describe('password hashing', () => {
  it('uses argon2id with OWASP baseline parameters and a fresh salt', async () => {
    const a = await hashPassword('correct horse battery staple');
    const b = await hashPassword('correct horse battery staple');
    expect(a).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(a).not.toBe(b);
  });

  it('verifies the right password only, and treats an unreadable hash as a mismatch', async () => {
    const h = await hashPassword('correct horse battery staple');
    await expect(verifyPassword(h, 'correct horse battery staple')).resolves.toBe(true);
    await expect(verifyPassword(h, 'Correct horse battery staple')).resolves.toBe(false);
    await expect(verifyPassword('not a hash', 'whatever1')).resolves.toBe(false);
    await expect(verifyAgainstDummy('whatever1')).resolves.toBe(false);
  });
});
