import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { type GraphQLError, type GraphQLSchema, specifiedRules, validate } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Viewer } from '../accounts/model';
import { isDomainError } from '../domain/errors';
import type { GraphQLContext } from '../graphql/context';
import { formatGraphQLError, isUnexpectedError } from '../graphql/errors';
import { queryLimitRule } from '../graphql/limits';
import type { Runtime } from '../runtime';
import { subscribeSharingResults } from '../graphql/subscriptions/shared-execution';
import { logUnexpectedError } from './request-trace';

interface ConnectionState {
  viewer: Viewer | null;
  clientAddress: string;
}

/**
 * GraphQL subscriptions over graphql-ws on the HTTP server's own port and path. Auth happens once, in
 * onConnect: `connectionParams.authorization = "Bearer <token>"`. No token = anonymous (public
 * subscriptions only); a bad or expired token closes with 4401; a token of a user that no longer
 * exists closes with 4403.
 */
export function attachWebSocketServer(server: http.Server, schema: GraphQLSchema, runtime: Runtime): { close(): Promise<void> } {
  const formatError = (e: GraphQLError) => formatGraphQLError(e.toJSON(), e, { development: runtime.config.nodeEnv === 'development' });
  const wss = new WebSocketServer({ server, path: '/graphql', maxPayload: runtime.config.maxBodyBytes });
  const states = new WeakMap<object, ConnectionState>();
  const cleanup = useServer<Record<string, unknown> | undefined, { state?: ConnectionState }>(
    {
      schema,
      // Availability updates go to many subscribers at once: execute each distinct operation once per update.
      subscribe: subscribeSharingResults,
      validate: (schema, document) => validate(schema, document, [...specifiedRules, queryLimitRule()]),
      onConnect: async (ctx) => {
        const raw = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        const header = typeof raw === 'string' ? raw : undefined;
        let viewer: Viewer | null;
        try {
          viewer = await runtime.accounts.authenticate(header);
        } catch (err) {
          if (isDomainError(err) && err.code === 'UNAUTHENTICATED') {
            ctx.extra.socket.close(CloseCode.Unauthorized, 'Unauthorized');
            return false;
          }
          throw err;
        }
        if (viewer && !(await runtime.accounts.getUser(viewer.id))) return false; // 4403 Forbidden
        states.set(ctx.extra, { viewer, clientAddress: ctx.extra.request.socket.remoteAddress ?? 'unknown' });
        return true;
      },
      // graphql-ws sends errors as graphql-js made them: give them the same codes and hiding as HTTP answers.
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => formatError(e)),
      onNext: (_ctx, _id, _payload, args, result) => {
        if (!('errors' in result) || !result.errors) return result;
        const { requestId } = args.contextValue as GraphQLContext;
        for (const e of result.errors) if (isUnexpectedError(e)) logUnexpectedError(runtime.logger, e, { requestId });
        return { ...result, errors: result.errors.map((e) => formatError(e)) };
      },
      context: (ctx): GraphQLContext => {
        const state = states.get(ctx.extra) ?? { viewer: null, clientAddress: 'unknown' };
        return { runtime, requestId: randomUUID(), viewer: state.viewer, clientAddress: state.clientAddress };
      },
    },
    wss,
  );
  return {
    close: async () => {
      await cleanup.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
