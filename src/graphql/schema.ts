import type { GraphQLSchema } from 'graphql';
import { printSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
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

export async function buildGraphQLSchema(): Promise<GraphQLSchema> {
  return buildSchema({ resolvers: [...RESOLVERS], validate: false, pubSub: topicsNotUsed });
}

/** The text committed as `schema.graphql`: a test fails when it drifts from the code. */
export async function printGraphQLSchema(): Promise<string> {
  const header = '# Emitted from the code by `npm run schema:emit`. Do not edit by hand.\n\n';
  return `${header}${printSchema(await buildGraphQLSchema())}\n`;
}
