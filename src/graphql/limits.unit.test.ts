import { type GraphQLSchema, Kind, type OperationDefinitionNode, buildSchema, getIntrospectionQuery, parse, validate } from 'graphql';
import { buildGraphQLSchema } from './schema';
import { DEFAULT_QUERY_LIMITS, measureOperation, operationLimitError, queryLimitRule } from './limits';

const toy = buildSchema(`
  type Node { id: ID! child: Node children(first: Int = 20): [Node!]! tags: [String!]! }
  type Query { node: Node nodes(first: Int): [Node!]! }
  type Mutation { register(name: String): Node login(name: String): Node other: Node }
`);
const validation = (query: string, limits = { maxDepth: 4, maxCost: 100, maxAliases: 3 }) =>
  validate(toy, parse(query), [queryLimitRule(limits)]).map((e) => ({ message: e.message, extensions: e.extensions }));
const costOf = (schema: GraphQLSchema, query: string, variables: Record<string, unknown> = {}): number => {
  const document = parse(query);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (!operation) throw new Error('no operation');
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
  return measureOperation(schema, operation, fragments, variables).cost;
};

describe('document limits (validation)', () => {
  it('given a query within the limits, reports nothing', () => {
    expect(validation('{ node { child { child { id } } } }')).toEqual([]);
  });

  it('given a query nested too deep, refuses it with VALIDATION_FAILED, through fragments named and inline', () => {
    expect(validation('{ node { child { child { child { id } } } } }')).toEqual([
      { message: 'Query is nested 5 levels deep; the limit is 4', extensions: { code: 'VALIDATION_FAILED', field: 'query', depth: 5, maxDepth: 4, http: { status: 400 } } },
    ]);
    expect(validation('{ node { ...A } } fragment A on Node { child { ... on Node { child { child { id } } } } }')).toHaveLength(1);
  });

  it('counts aliases, fragments expanded', () => {
    expect(validation('{ a: node { id } b: node { id } c: node { id } }')).toEqual([]);
    expect(validation('{ ...F ...F } fragment F on Query { a: node { id } b: node { id } }')).toEqual([
      expect.objectContaining({ message: 'Query has 4 aliases; the limit is 3' }),
    ]);
  });

  it('allows one register or login per request, aliases included', () => {
    expect(validation('mutation { register(name: "a") { id } login(name: "a") { id } other { id } }')).toEqual([]);
    expect(validation('mutation { a: register(name: "a") { id } b: register(name: "b") { id } }')).toEqual([
      { message: 'register may be sent once per request; this one has it 2 times', extensions: { code: 'VALIDATION_FAILED', field: 'register', count: 2 } },
    ]);
  });
});

describe('cost: the values an answer will hold', () => {
  it('multiplies under a list by its first argument, from a literal, a variable, or the default', () => {
    expect(costOf(toy, '{ nodes(first: 10) { id child { id } } }')).toBe(1 + 10 * (1 + 2));
    expect(costOf(toy, 'query($n: Int) { nodes(first: $n) { id } }', { n: 50 })).toBe(1 + 50);
    expect(costOf(toy, '{ node { children { id } } }')).toBe(1 + 1 + 20);
    expect(costOf(toy, 'query($n: Int = 7) { node { children(first: $n) { id } } }')).toBe(1 + 1 + 7);
  });

  it('gives lists nothing tells about ten items', () => {
    expect(costOf(toy, '{ node { tags } }')).toBe(1 + 10);
  });

  it('refuses over the limit with the cost and the limit, and leaves unknown operations to graphql-js', () => {
    const err = operationLimitError(toy, parse('query($n: Int) { nodes(first: $n) { id } }'), undefined, { n: 1_000_000 });
    expect(err?.extensions).toEqual({ code: 'VALIDATION_FAILED', field: 'query', cost: 1_000_001, maxCost: DEFAULT_QUERY_LIMITS.maxCost, http: { status: 400 } });
    expect(operationLimitError(toy, parse('query A { node { id } } query B { node { id } }'), undefined, {})).toBeNull();
  });
});

describe('cost on the real schema', () => {
  let schema: GraphQLSchema;
  beforeAll(async () => {
    schema = await buildGraphQLSchema();
  });

  it('sizes availableSlots by its window over the smallest slot interval (5 minutes), at most 62 days', () => {
    const q = 'query($from: DateTime!, $to: DateTime!) { availableSlots(providerId: "p", serviceId: "s", from: $from, to: $to) { start end seatsLeft } }';
    expect(costOf(schema, q, { from: '2027-03-01T00:00:00Z', to: '2027-03-02T00:00:00Z' })).toBe(1 + 288 * 3);
    expect(costOf(schema, q, { from: '2027-03-01T00:00:00Z', to: '2028-03-01T00:00:00Z' })).toBe(1 + 62 * 288 * 3);
    // One whole window is served; 150 aliases of it are not.
    expect(operationLimitError(schema, parse(q), undefined, { from: '2027-03-01T00:00:00Z', to: '2027-05-02T00:00:00Z' })).toBeNull();
    const wide = `query($from: DateTime!, $to: DateTime!) { ${Array.from({ length: 150 }, (_, i) => `a${i}: availableSlots(providerId: "p", serviceId: "s", from: $from, to: $to) { start }`).join(' ')} }`;
    expect(operationLimitError(schema, parse(wide), undefined, { from: '2027-03-01T00:00:00Z', to: '2027-05-02T00:00:00Z' })?.extensions.cost).toBe(150 * (1 + 62 * 288));
  });

  it('sizes the slots of availabilityChanged and the days of providerAnalytics by their arguments', () => {
    expect(costOf(schema, 'subscription { availabilityChanged(providerId: "p", serviceId: "s", from: "2027-03-01T00:00:00Z", to: "2027-03-01T01:00:00Z") { providerId slots { start } } }')).toBe(1 + 1 + (1 + 12));
    expect(costOf(schema, '{ providerAnalytics(providerId: "p", from: "2027-03-01", to: "2027-03-10") { days { date } } }')).toBe(1 + (1 + 10));
  });

  it('counts introspection: the standard introspection query is served, 100 of it are not', () => {
    const one = costOf(schema, getIntrospectionQuery());
    expect(one).toBeGreaterThan(1000);
    expect(one).toBeLessThan(DEFAULT_QUERY_LIMITS.maxCost);
    expect(costOf(schema, '{ __schema { types { name } } }')).toBe(1 + 1 + Object.keys(schema.getTypeMap()).length);
  });
});
