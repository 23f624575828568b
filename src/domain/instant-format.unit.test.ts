import { formatInstant, formatInstantsInText } from './instant-format';

describe('the one instant format', () => {
  it('writes UTC with Z, seconds always, milliseconds only when not zero', () => {
    expect(formatInstant(Date.parse('2027-03-02T08:00:00Z'))).toBe('2027-03-02T08:00:00Z');
    expect(formatInstant(Date.parse('2027-03-02T08:00:00.250Z'))).toBe('2027-03-02T08:00:00.250Z');
    expect(formatInstant(Date.parse('2027-03-02T09:00:00+01:00'))).toBe('2027-03-02T08:00:00Z');
  });

  it('rewrites the instants toISOString wrote inside a text, and nothing else', () => {
    const recorded = JSON.stringify({ start: '2027-03-02T08:00:00.000Z', bookedAt: '2027-03-01T06:00:00.125Z', notes: 'at 10:00.000 sharp', date: '2027-03-02' });
    expect(formatInstantsInText(recorded)).toBe(
      JSON.stringify({ start: '2027-03-02T08:00:00Z', bookedAt: '2027-03-01T06:00:00.125Z', notes: 'at 10:00.000 sharp', date: '2027-03-02' }),
    );
    expect(formatInstantsInText('2027-03-02T08:00:00.000Z is too soon')).toBe('2027-03-02T08:00:00Z is too soon');
  });
});
