import { DomainError } from '../domain/errors';
import { normalizePhoneNumber } from './phone-number';

describe('normalizePhoneNumber', () => {
  it.each([
    ['+4915112345678', '+4915112345678'],
    ['+49 151 1234-5678', '+4915112345678'],
    ['  +1 (212) 555-0123 ', '+12125550123'],
    ['+44 20 7946 0018', '+442079460018'],
  ])('given %p, then it is stored as %p', (input, e164) => {
    expect(normalizePhoneNumber(input)).toBe(e164);
  });

  it('reads a national number with a default country', () => {
    expect(normalizePhoneNumber('030 1234567', { defaultCountry: 'DE' })).toBe('+49301234567');
  });

  it.each([['12345'], ['+49 123'], ['+1 000 000 0000'], ['call me'], [''], ['+4915112345678901234']])('refuses %p as VALIDATION_FAILED on the field', (input) => {
    const err = (() => {
      try {
        normalizePhoneNumber(input, { field: 'input.phone' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'input.phone', value: input } });
  });
});
