import { GraphQLError, graphql } from 'graphql';
import { formatGraphQLError } from '../errors';
import { DateScalar, DateTimeScalar, LocalTimeScalar, TimeZoneScalar, formatInstant, parseInstant } from '.';
import { MALFORMED_SCALARS, echoSchema } from './scalars-fixtures';

describe('DateTime', () => {
  it.each([
    ['2027-03-29T07:00:00Z', Date.UTC(2027, 2, 29, 7)],
    ['2027-03-29T09:00:00+02:00', Date.UTC(2027, 2, 29, 7)],
    ['2027-03-28T21:30:00-09:30', Date.UTC(2027, 2, 29, 7)],
    ['2027-03-29T07:00:00.250Z', Date.UTC(2027, 2, 29, 7, 0, 0, 250)],
    ['2027-03-29T07:00:00.1Z', Date.UTC(2027, 2, 29, 7, 0, 0, 100)],
    ['2027-03-29T07:00:00.123456789Z', Date.UTC(2027, 2, 29, 7, 0, 0, 123)],
    ['2028-02-29T00:00:00Z', Date.UTC(2028, 1, 29)],
    ['0050-01-01T00:00:00Z', Date.parse('0050-01-01T00:00:00Z')],
  ])('parses %s to epoch ms', (text, ms) => {
    expect(parseInstant(text)).toBe(ms);
    expect(DateTimeScalar.parseValue(text)).toBe(ms);
  });

  it.each([
    '2027-13-01T00:00:00Z', // month 13
    '2027-02-29T00:00:00Z', // not a leap year
    '2027-04-31T00:00:00Z',
    '2027-03-29T24:00:00Z',
    '2027-03-29T07:60:00Z',
    '2027-03-29T07:00:60Z',
    '2027-03-29T07:00:00', // no offset: not an instant
    '2027-03-29T07:00Z', // no seconds
    '2027-03-29 07:00:00Z',
    '2027-03-29T07:00:00+0200',
    '2027-03-29T07:00:00+24:00',
    '2027-03-29',
    'tomorrow',
    '',
    ' 2027-03-29T07:00:00Z',
  ])('refuses %j', (text) => {
    expect(parseInstant(text)).toBeNull();
    expect(() => DateTimeScalar.parseValue(text)).toThrow(expect.objectContaining({ extensions: { code: 'VALIDATION_FAILED', scalar: 'DateTime', value: text } }));
  });

  it('takes instants of the years 0001 to 9998 only (what is derived from them must stay writable)', () => {
    expect(DateTimeScalar.parseValue('0001-01-01T00:00:00Z')).toBe(Date.parse('0001-01-01T00:00:00Z'));
    expect(DateTimeScalar.parseValue('9998-12-31T23:59:59.999Z')).toBe(Date.parse('9998-12-31T23:59:59.999Z'));
    for (const text of ['9999-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '9998-12-31T23:00:00-01:00', '0001-01-01T00:30:00+01:00']) {
      expect(() => DateTimeScalar.parseValue(text)).toThrow(expect.objectContaining({ extensions: { code: 'VALIDATION_FAILED', scalar: 'DateTime', value: text } }));
    }
  });

  it('refuses non-strings as input, even epoch numbers', () => {
    expect(() => DateTimeScalar.parseValue(1_800_000_000_000)).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ value: 1_800_000_000_000 }) }));
  });

  it('answers in UTC, with milliseconds only when there are some', () => {
    expect(DateTimeScalar.serialize(Date.UTC(2027, 2, 29, 7))).toBe('2027-03-29T07:00:00Z');
    expect(DateTimeScalar.serialize(Date.UTC(2027, 2, 29, 7, 0, 0, 5))).toBe('2027-03-29T07:00:00.005Z');
    expect(DateTimeScalar.serialize(new Date(Date.UTC(2027, 2, 29, 7)))).toBe('2027-03-29T07:00:00Z');
    expect(DateTimeScalar.serialize('2027-03-29T09:00:00+02:00')).toBe('2027-03-29T07:00:00Z');
    expect(formatInstant(0)).toBe('1970-01-01T00:00:00Z');
  });

  it('round-trips through its own output', () => {
    for (const ms of [0, 1, 999, Date.UTC(2027, 9, 31, 1, 30), Date.parse('9999-12-31T23:59:59.999Z')]) {
      expect(parseInstant(formatInstant(ms))).toBe(ms);
    }
  });

  it('refuses to send what it cannot represent (a server bug, not a client error)', () => {
    expect(() => DateTimeScalar.serialize(new Date(Number.NaN))).toThrow(TypeError);
    expect(() => DateTimeScalar.serialize(1.5)).toThrow(TypeError);
    expect(() => DateTimeScalar.serialize('soon')).toThrow(TypeError);
    expect(() => DateTimeScalar.serialize(Date.parse('9999-12-31T23:59:59.999Z') + 1)).toThrow(TypeError);
  });
});

describe('Date', () => {
  it('takes real calendar dates', () => {
    expect(DateScalar.parseValue('2027-03-29')).toBe('2027-03-29');
    expect(DateScalar.parseValue('2028-02-29')).toBe('2028-02-29');
    expect(DateScalar.serialize('2027-03-29')).toBe('2027-03-29');
  });
  it.each(['2027-02-30', '2027-02-29', '2027-13-01', '2027-3-29', '29.03.2027', '2027-03-29T00:00:00Z', '9999-01-01', '9999-12-31'])('refuses %j', (text) => {
    expect(() => DateScalar.parseValue(text)).toThrow(expect.objectContaining({ extensions: { code: 'VALIDATION_FAILED', scalar: 'Date', value: text } }));
  });
  it('will not guess the calendar date of a Date object on output', () => {
    expect(() => DateScalar.serialize(new Date())).toThrow(TypeError);
  });
});

describe('LocalTime', () => {
  it.each(['00:00', '09:30', '23:59', '24:00'])('takes %s', (text) => {
    expect(LocalTimeScalar.parseValue(text)).toBe(text);
    expect(LocalTimeScalar.serialize(text)).toBe(text);
  });
  it.each(['25:00', '24:01', '9:30', '09:60', '09:30:00', 'noon'])('refuses %j', (text) => {
    expect(() => LocalTimeScalar.parseValue(text)).toThrow(expect.objectContaining({ extensions: { code: 'VALIDATION_FAILED', scalar: 'LocalTime', value: text } }));
  });
});

describe('TimeZone', () => {
  it.each([
    ['Europe/Berlin', 'Europe/Berlin'],
    ['UTC', 'UTC'],
    ['america/new_york', 'America/New_York'],
    ['US/Eastern', 'US/Eastern'],
  ])('takes %s as %s', (text, parsed) => {
    expect(TimeZoneScalar.parseValue(text)).toBe(parsed);
  });
  it.each(['Mars/Olympus', '+02:00', 'CET1', 'Berlin', ''])('refuses %j', (text) => {
    expect(() => TimeZoneScalar.parseValue(text)).toThrow(expect.objectContaining({ extensions: { code: 'VALIDATION_FAILED', scalar: 'TimeZone', value: text } }));
  });
});

describe('the scalars in operations (graphql-js execute, no server)', () => {
  const schema = echoSchema();
  const cases = MALFORMED_SCALARS;

  it('hands resolvers the parsed values', async () => {
    const r = await graphql({
      schema,
      source: 'query($t: DateTime!) { a: dateTime(v: "2027-03-29T09:00:00+02:00") b: dateTime(v: $t) date(v: "2027-03-29") localTime(v: "24:00") timeZone(v: "europe/berlin") }',
      variableValues: { t: '2027-03-29T07:00:00Z' },
    });
    expect(r.errors).toBeUndefined();
    expect(r.data).toEqual({ a: String(Date.UTC(2027, 2, 29, 7)), b: String(Date.UTC(2027, 2, 29, 7)), date: '"2027-03-29"', localTime: '"24:00"', timeZone: '"Europe/Berlin"' });
  });

  it.each(cases)('an inline %s literal %j → VALIDATION_FAILED with the value', async (field, scalar, value) => {
    const r = await graphql({ schema, source: `{ ${field}(v: ${JSON.stringify(value)}) }` });
    expect(r.errors).toHaveLength(1);
    expect(r.errors?.[0]?.extensions).toEqual({ code: 'VALIDATION_FAILED', scalar, value });
    expect(r.errors?.[0]?.locations).toEqual([{ line: 1, column: field.length + 7 }]);
  });

  it.each(cases)('a %s variable %j → VALIDATION_FAILED with the value', async (field, scalar, value) => {
    const r = await graphql({ schema, source: `query($v: ${scalar}!) { ${field}(v: $v) }`, variableValues: { v: value } });
    expect(r.errors).toHaveLength(1);
    expect(r.errors?.[0]?.message).toMatch(/^Variable "\$v" got invalid value/);
    expect(r.errors?.[0]?.extensions).toEqual({ code: 'VALIDATION_FAILED', scalar, value });
  });

  it('reports a literal of the wrong kind (a number) with its value', async () => {
    const r = await graphql({ schema, source: '{ dateTime(v: 1800000000000) }' });
    expect(r.errors?.[0]?.extensions).toEqual({ code: 'VALIDATION_FAILED', scalar: 'DateTime', value: 1800000000000 });
  });

  it('reports each bad element of a list variable', async () => {
    const r = await graphql({ schema, source: 'query($v: [Date!]) { dates(v: $v) }', variableValues: { v: ['2027-01-01', '2027-02-30', 'x'] } });
    expect(r.errors?.map((e) => e.extensions.value)).toEqual(['2027-02-30', 'x']);
    expect(r.errors?.[0]?.message).toContain('at "v[1]"');
  });

  it('formatGraphQLError keeps VALIDATION_FAILED where Apollo relabels the error', async () => {
    const r = await graphql({ schema, source: '{ date(v: "2027-02-30") }' });
    const original = r.errors?.[0];
    // What Apollo 5 does to a validation error: a wrapper with its own code (see the e2e test for the real thing).
    const wrapper = new GraphQLError(original?.message ?? '', { originalError: original, extensions: { ...original?.extensions, code: 'GRAPHQL_VALIDATION_FAILED' } });
    const formatted = formatGraphQLError({ message: wrapper.message, extensions: { ...wrapper.extensions } }, wrapper, { development: false });
    expect(formatted).toEqual({ message: original?.message, extensions: { code: 'VALIDATION_FAILED', scalar: 'Date', value: '2027-02-30' } });
  });
});
