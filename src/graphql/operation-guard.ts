/**
 * Checks of a whole operation that need its variables, run after validation and before execution on
 * both transports: HTTP (an Apollo plugin, `didResolveOperation`) and graphql-ws (`onSubscribe`).
 * A refused operation executes nothing and answers one error with a stable code.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { DocumentNode, GraphQLError, GraphQLSchema } from 'graphql';
import type { GraphQLContext } from './context';
import { operationLimitError } from './limits';
import { unstorableTextError } from './text-input';

export function operationGuardError(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Readonly<Record<string, unknown>> | null | undefined,
): GraphQLError | null {
  return unstorableTextError(document, variables) ?? operationLimitError(schema, document, operationName, variables ?? {});
}

/** The guard for Apollo Server (HTTP). */
export function operationGuardPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    requestDidStart: async () => ({
      didResolveOperation: async ({ schema, document, operationName, request }) => {
        const refused = operationGuardError(schema, document, operationName, request.variables);
        if (refused) throw refused;
      },
    }),
  };
}
