import { buildSchema, parse, validate } from 'graphql';
import { queryLimitRule } from './limits';

const schema = buildSchema(`
  type Node { id: ID! child: Node children(first: Int): [Node!]! }
  type Query { node: Node nodes(first: Int): [Node!]! }
`);
const check = (query: string, limits = { maxDepth: 4, maxCost: 100 }) =>
  validate(schema, parse(query), [queryLimitRule(limits)]).map((e) => ({ message: e.message, code: e.extensions.code }));

describe('query limits', () => {
  it('given a query within both limits, reports nothing', () => {
    expect(check('{ node { child { child { id } } } }')).toEqual([]);
  });

  it('given a query nested too deep, refuses it with VALIDATION_FAILED', () => {
    expect(check('{ node { child { child { child { id } } } } }')).toEqual([{ message: 'Query is nested 5 levels deep; the limit is 4', code: 'VALIDATION_FAILED' }]);
  });

  it('counts depth through fragments, named and inline', () => {
    expect(check('{ node { ...A } } fragment A on Node { child { ... on Node { child { child { id } } } } }')).toHaveLength(1);
  });

  it('multiplies cost under a list by its first argument', () => {
    expect(check('{ nodes(first: 10) { id child { id } } }')).toEqual([]);
    expect(check('{ nodes(first: 50) { id child { id } } }')).toEqual([{ message: 'Query would cost 151; the limit is 100', code: 'VALIDATION_FAILED' }]);
  });

  it('prices a list whose size comes from a variable at the default page size', () => {
    expect(check('query($n: Int) { nodes(first: $n) { id children(first: $n) { id } } }', { maxDepth: 9, maxCost: 1000 })).toEqual([]);
    expect(check('query($n: Int) { nodes(first: $n) { children(first: $n) { children(first: $n) { id } } } }', { maxDepth: 9, maxCost: 1000 })).toHaveLength(1);
  });
});
