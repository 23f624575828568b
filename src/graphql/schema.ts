import type { GraphQLSchema } from 'graphql';
import { printSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { HealthResolver } from './health/health.resolver';

/** Every resolver of the API. The schema is code-first; `schema.graphql` is its committed print. */
const RESOLVERS = [HealthResolver] as const;

export async function buildGraphQLSchema(): Promise<GraphQLSchema> {
  return buildSchema({ resolvers: [...RESOLVERS], validate: false });
}

/** The text committed as `schema.graphql`: a test fails when it drifts from the code. */
export async function printGraphQLSchema(): Promise<string> {
  const header = '# Emitted from the code by `npm run schema:emit`. Do not edit by hand.\n\n';
  return `${header}${printSchema(await buildGraphQLSchema())}\n`;
}
