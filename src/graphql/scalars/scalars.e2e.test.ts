import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { gql } from '../../../test/support/test-app';
import { formatGraphQLError } from '../errors';
import { MALFORMED_SCALARS, echoSchema } from './scalars-fixtures';

/**
 * What Apollo Server 5 really answers for malformed scalars, over HTTP, with the app's error
 * formatter. Apollo labels a bad inline literal GRAPHQL_VALIDATION_FAILED and a bad variable
 * BAD_USER_INPUT unless told otherwise; the client must see VALIDATION_FAILED with the value.
 */
describe('malformed scalars through Apollo Server over HTTP', () => {
  let server: ApolloServer;
  let url: string;
  beforeAll(async () => {
    server = new ApolloServer({ schema: echoSchema(), formatError: (f, e) => formatGraphQLError(f, e, { development: false }) });
    ({ url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } }));
  });
  afterAll(async () => {
    await server.stop();
  });

  it.each(MALFORMED_SCALARS)('a %s variable %j → 400, VALIDATION_FAILED with the value', async (field, scalar, value) => {
    const r = await gql(url, `query($v: ${scalar}!) { ${field}(v: $v) }`, { v: value });
    expect(r.status).toBe(400);
    expect(r.data).toBeUndefined();
    expect(r.errors).toEqual([{ message: expect.stringMatching(/^Variable "\$v" got invalid value .*; Invalid /), locations: [{ line: 1, column: 7 }], extensions: { code: 'VALIDATION_FAILED', scalar, value } }]);
  });

  it.each(MALFORMED_SCALARS)('an inline %s literal %j → 400, VALIDATION_FAILED with the value', async (field, scalar, value) => {
    const r = await gql(url, `{ ${field}(v: ${JSON.stringify(value)}) }`);
    expect(r.status).toBe(400);
    expect(r.errors).toEqual([{ message: expect.stringContaining(`Invalid ${scalar} `), locations: [{ line: 1, column: field.length + 7 }], extensions: { code: 'VALIDATION_FAILED', scalar, value } }]);
  });

  it('passes well-formed values to the resolver', async () => {
    const r = await gql<{ dateTime: string }>(url, 'query($v: DateTime!) { dateTime(v: $v) }', { v: '2027-03-29T09:00:00+02:00' });
    expect(r).toEqual({ status: 200, data: { dateTime: String(Date.UTC(2027, 2, 29, 7)) } });
  });

  it('keeps the standard codes for the other request errors', async () => {
    expect((await gql(url, '{ nope }')).errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect((await gql(url, '{ date }')).errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect((await gql(url, 'query($v: Date!) { date(v: $v) }')).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
