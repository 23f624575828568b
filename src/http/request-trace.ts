import type { ApolloServerPlugin } from '@apollo/server';
import { getOperationAST } from 'graphql';
import type { GraphQLContext } from '../graphql/context';
import { isUnexpectedError, rootCauseOf } from '../graphql/errors';
import type { Logger } from '../logger';

/**
 * What one HTTP request did, filled in while it runs and written as one log line when it ends
 * (src/http/server.ts). The GraphQL part (operation, outcome) comes from Apollo's request pipeline
 * through `operationTracePlugin`, which finds the trace on the request's context.
 */
export interface RequestTrace {
  readonly requestId: string;
  operationName: string | null;
  operationType: string | null;
  /** `OK`, or the `extensions.code` of the first error the client was sent. */
  outcome: string | null;
}

/**
 * The trace rides on the context under a symbol: a property, not a WeakMap keyed by the context,
 * because Apollo hands each operation a shallow copy of the context (own properties, symbols too).
 */
const TRACE: unique symbol = Symbol('slotstream.requestTrace');
type TracedContext = GraphQLContext & { readonly [TRACE]?: RequestTrace };

/** The context, carrying the trace of the HTTP request it was built for. */
export function traceWithContext(context: GraphQLContext, trace: RequestTrace): GraphQLContext {
  return Object.assign(context, { [TRACE]: trace });
}

/** `OK` without errors, else the code of the first error as the client was sent it. */
export function outcomeOf(errors: ReadonlyArray<{ readonly extensions?: Readonly<Record<string, unknown>> }> | undefined): string {
  if (!errors || errors.length === 0) return 'OK';
  const code = errors[0]?.extensions?.code;
  return typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR';
}

/** Log an unexpected error with its stack and the request it happened in; the client sees it masked. */
export function logUnexpectedError(logger: Logger, error: unknown, fields: { requestId: string; operationName?: string | null }): void {
  logger.error({ err: rootCauseOf(error), ...fields }, 'unexpected error');
}

/**
 * Records each operation's name, type and outcome on its request's trace, and logs every unexpected
 * error (see `isUnexpectedError`) with its stack and request id.
 */
export function operationTracePlugin(logger: Logger): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart({ contextValue }) {
      const trace = (contextValue as TracedContext)[TRACE];
      return {
        async didEncounterErrors({ errors, operationName }) {
          for (const error of errors) {
            if (isUnexpectedError(error)) logUnexpectedError(logger, error, { requestId: contextValue.requestId, operationName: operationName ?? null });
          }
        },
        async willSendResponse({ response, document, request }) {
          if (!trace) return;
          // From the document, not didResolveOperation: an operation that fails validation has a name too.
          const operation = document ? getOperationAST(document, request.operationName) : null;
          trace.operationName = operation?.name?.value ?? request.operationName ?? null;
          trace.operationType = operation?.operation ?? null;
          const errors = response.body.kind === 'single' ? response.body.singleResult.errors : response.body.initialResult.errors;
          trace.outcome = outcomeOf(errors);
        },
      };
    },
  };
}
