import { GraphQLInt, GraphQLObjectType, GraphQLSchema, GraphQLString, type ExecutionResult, parse } from 'graphql';
import { markShareable, subscribeSharingResults } from './shared-execution';

/** A schema whose `tick` subscription forwards `events` and counts how often its field resolves. */
function fixture(events: object[]) {
  let resolved = 0;
  const Tick = new GraphQLObjectType({
    name: 'Tick',
    fields: { n: { type: GraphQLInt, resolve: (t: { n: number }) => (resolved++, t.n) }, label: { type: GraphQLString, args: { prefix: { type: GraphQLString } }, resolve: (t: { n: number }, a: { prefix?: string }) => `${a.prefix ?? ''}${t.n}` } },
  });
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLInt, resolve: () => 1 } } }),
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: {
        tick: {
          type: Tick,
          subscribe: async function* () {
            yield* events;
          },
          resolve: (payload: unknown) => payload,
        },
      },
    }),
  });
  return { schema, resolved: () => resolved };
}

async function collect(schema: GraphQLSchema, query: string, variableValues?: Record<string, unknown>): Promise<ExecutionResult[]> {
  const stream = await subscribeSharingResults({ schema, document: parse(query), ...(variableValues ? { variableValues } : {}) });
  if (!(Symbol.asyncIterator in stream)) throw new Error(JSON.stringify(stream));
  const out: ExecutionResult[] = [];
  for await (const r of stream) out.push(r);
  return out;
}

describe('subscriptions sharing execution results', () => {
  it('given a shareable event, when three subscribers run the same operation, then it executes once and all get the same result', async () => {
    const event = markShareable({ n: 7 });
    const f = fixture([event]);
    const results = await Promise.all([1, 2, 3].map(() => collect(f.schema, 'subscription { tick { n } }')));
    expect(results.map((r) => r[0]?.data)).toEqual([{ tick: { n: 7 } }, { tick: { n: 7 } }, { tick: { n: 7 } }]);
    expect(f.resolved()).toBe(1);
    expect(results[1]?.[0]).toBe(results[0]?.[0]);
  });

  it('given a shareable event, when operations or variables differ, then each distinct one executes on its own', async () => {
    const event = markShareable({ n: 3 });
    const f = fixture([event]);
    const q = 'subscription($p: String) { tick { n label(prefix: $p) } }';
    const [a, b, c] = await Promise.all([collect(f.schema, q, { p: 'a' }), collect(f.schema, q, { p: 'b' }), collect(f.schema, q, { p: 'a' })]);
    expect([a?.[0]?.data, b?.[0]?.data, c?.[0]?.data]).toEqual([{ tick: { n: 3, label: 'a3' } }, { tick: { n: 3, label: 'b3' } }, { tick: { n: 3, label: 'a3' } }]);
    expect(f.resolved()).toBe(2);
  });

  it('given events that are not marked shareable, when two subscribers run the same operation, then each executes', async () => {
    const f = fixture([{ n: 1 }, { n: 2 }]);
    const results = await Promise.all([collect(f.schema, 'subscription { tick { n } }'), collect(f.schema, 'subscription { tick { n } }')]);
    expect(results.map((r) => r.map((x) => x.data))).toEqual([
      [{ tick: { n: 1 } }, { tick: { n: 2 } }],
      [{ tick: { n: 1 } }, { tick: { n: 2 } }],
    ]);
    expect(f.resolved()).toBe(4);
  });
});
