import type { GraphQLSchema } from 'graphql';
import { printSchema } from 'graphql';
import { buildSchema, getMetadataStorage } from 'type-graphql';
import { AccountResolver } from './accounts/account.resolver';
import { AppointmentResolver } from './appointments/appointment.resolver';
import { AuditResolver } from './audit/audit.resolver';
import { HealthResolver } from './health/health.resolver';
import { ProviderResolver } from './providers/provider.resolver';
import { LiveResolver } from './subscriptions/live.resolver';

/** Every resolver of the API. The schema is code-first; `schema.graphql` is its committed print. */
const RESOLVERS = [HealthResolver, AccountResolver, ProviderResolver, AppointmentResolver, AuditResolver, LiveResolver] as const;

/**
 * type-graphql insists on a pubSub once a schema has subscriptions, but ours use `subscribe`
 * functions over the read side's change feed (src/graphql/subscriptions), never topics.
 */
const topicsNotUsed = {
  publish: (): void => {
    throw new Error('Slotstream subscriptions use the read side change feed, not type-graphql topics');
  },
  subscribe: (): AsyncIterable<never> => {
    throw new Error('Slotstream subscriptions use the read side change feed, not type-graphql topics');
  },
};

/**
 * Arguments in the order the resolver method declares them. TypeScript applies parameter decorators
 * last parameter first, so type-graphql records a method's `@Arg`s in reverse and builds the field's
 * arguments in that order; it sorts them by index only when a resolver first runs (in place, in
 * `getParams`), so without this a schema printed after any execution would differ from one printed
 * before. Sorting the recorded parameters by index (stable: other methods keep their relative order)
 * gives every build the declared order.
 */
function declareArgumentsInOrder(): void {
  getMetadataStorage().params.sort((a, b) => a.index - b.index);
}

export async function buildGraphQLSchema(): Promise<GraphQLSchema> {
  declareArgumentsInOrder();
  return buildSchema({ resolvers: [...RESOLVERS], validate: false, pubSub: topicsNotUsed });
}

/** The text committed as `schema.graphql`: a test fails when it drifts from the code. */
export async function printGraphQLSchema(): Promise<string> {
  const header = '# Emitted from the code by `npm run schema:emit`. Do not edit by hand.\n\n';
  return `${header}${printSchema(await buildGraphQLSchema())}\n`;
}
