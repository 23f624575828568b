/**
 * The README against the code: its GraphQL (in graphql blocks and inside the shell examples' curl
 * bodies) must be valid for the emitted schema, it must show the examples GraphiQL and seed:demo
 * use, and it must document every error code a client can be sent and every configuration variable.
 * (That the examples answer as described is test/seed-demo.e2e.test.ts.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import { type DocumentNode, type GraphQLSchema, Kind, buildSchema, parse, validate } from 'graphql';
import { CONFIG_VARIABLES } from '../src/config';
import { EXAMPLE_OPERATIONS } from '../src/graphql/examples';
import { printGraphQLSchema } from '../src/graphql/schema';

const ROOT = path.resolve(__dirname, '..');
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const blocks = (lang: string): string[] => [...readme.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1] ?? '');

/** Each operation of a document on its own, so several anonymous ones may share a block. */
const operationsOf = (document: DocumentNode): DocumentNode[] =>
  document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION).map((d) => ({ kind: Kind.DOCUMENT, definitions: [d] }));

describe('README.md', () => {
  let schema: GraphQLSchema;
  beforeAll(async () => {
    schema = buildSchema(await printGraphQLSchema());
  });

  const graphqlBlocks = blocks('graphql');
  const curlQueries = blocks('sh').flatMap((block) => [...block.matchAll(/"query":"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1] ?? ''}"`) as string));

  it('has GraphQL examples, in blocks and in curl bodies', () => {
    expect(graphqlBlocks.length).toBeGreaterThanOrEqual(6);
    expect(curlQueries.length).toBeGreaterThanOrEqual(5);
  });

  it.each([...graphqlBlocks, ...curlQueries].map((q) => [q.split('\n')[0] ?? '', q]))('%s … is valid for the schema', (_first, query) => {
    for (const operation of operationsOf(parse(query))) expect(validate(schema, operation).map((e) => e.message)).toEqual([]);
  });

  it.each(Object.entries(EXAMPLE_OPERATIONS))('shows the %s example as GraphiQL and seed:demo do', (_name, operation) => {
    expect(graphqlBlocks.map((b) => b.trim())).toContain(operation);
  });

  const errorsSection = readme.slice(readme.indexOf('### Errors'), readme.indexOf('### Request ids and logs'));
  const source = (file: string): string => fs.readFileSync(path.join(ROOT, file), 'utf8');
  const domainCodes = [...(/export type ErrorCode =([^;]*);/.exec(source('src/domain/errors.ts'))?.[1] ?? '').matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]);
  const httpCodes = [...source('src/http/server.ts').matchAll(/new HttpError\(\d+, '([A-Z_]+)'/g)].map((m) => m[1]);
  const codes = [...new Set([...domainCodes, ...Object.values(ApolloServerErrorCode), ...httpCodes])];

  it('finds the codes to check', () => {
    expect(domainCodes).toContain('SLOT_TAKEN');
    expect(httpCodes).toContain('PAYLOAD_TOO_LARGE');
  });

  it.each(codes)('documents the error code %s', (code) => {
    expect(errorsSection).toContain(`| \`${code}\` |`);
  });

  it.each([...CONFIG_VARIABLES])('documents the variable %s', (name) => {
    expect(readme).toContain(`| \`${name}\` |`);
  });
});
