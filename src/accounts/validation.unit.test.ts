import { DomainError } from '../domain/errors';
import { emailKey, validEmail, validName, validPassword } from './validation';

describe('account input rules', () => {
  it.each(['a@b.c', 'Ada.Lovelace+test@Example.COM', 'x@sub.domain-1.org'])('accepts the email %s', (email) => {
    expect(validEmail(` ${email} `)).toBe(email);
  });

  it.each(['', 'ada', 'ada@', '@example.com', 'ada@example', 'a da@example.com', 'ada@@example.com', 'ada@-x.com', `${'a'.repeat(65)}@example.com`, `a@${'b'.repeat(250)}.com`])(
    'refuses the email %j with VALIDATION_FAILED on field email',
    (email) => {
      expect(() => validEmail(email)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED', details: { field: 'email', value: email } }));
    },
  );

  it('compares emails without case or surrounding spaces', () => {
    expect(emailKey('  Ada@Example.COM ')).toBe('ada@example.com');
  });

  it('wants passwords of 8 to 1024 characters and never echoes them', () => {
    expect(validPassword('12345678')).toBe('12345678');
    expect(() => validPassword('1234567')).toThrow(new DomainError('VALIDATION_FAILED', 'Password must be at least 8 characters long', { field: 'password' }));
    expect(() => validPassword('x'.repeat(1025))).toThrow(expect.objectContaining({ details: { field: 'password' } }));
  });

  it('wants names of 1 to 200 characters after trimming', () => {
    expect(validName('  Ada  ')).toBe('Ada');
    expect(validName('x'.repeat(200))).toHaveLength(200);
    expect(() => validName('   ')).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED', details: expect.objectContaining({ field: 'name' }) }));
    expect(() => validName('x'.repeat(201))).toThrow(expect.objectContaining({ details: expect.objectContaining({ field: 'name' }) }));
  });
});
