import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { GraphQLError, type GraphQLSchema, OperationTypeNode, getOperationAST, parse, specifiedRules, validate } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Session, SessionEnd } from '../accounts/model';
import type { AbuseLimits } from '../config';
import { DomainError, isDomainError } from '../domain/errors';
import { clientAddressOf } from '../graphql/auth';
import type { GraphQLContext } from '../graphql/context';
import { formatGraphQLError, isUnexpectedError } from '../graphql/errors';
import { PARSE_OPTIONS, queryLimitRule } from '../graphql/limits';
import { operationGuardError } from '../graphql/operation-guard';
import { subscribeSharingResults } from '../graphql/subscriptions/shared-execution';
import type { Runtime } from '../runtime';
import { logUnexpectedError } from './request-trace';

/** Closed: the client stopped reading and its updates piled up for longer than allowed. */
export const SLOW_CONSUMER_CLOSE_CODE = 4420;

/** One open WebSocket: who it belongs to, until when, and what it holds. */
interface Connection {
  readonly socket: WebSocket;
  readonly clientAddress: string;
  /** Null when anonymous (public subscriptions only). */
  readonly session: Session | null;
  /** Ids of the subscription operations running on it (the per-connection and per-address caps). */
  readonly subscriptions: Set<string>;
  /** Since when its unsent bytes exceed the send buffer limit; null while it keeps up. */
  behindSince: number | null;
  expiryTimer: NodeJS.Timeout | null;
}

/**
 * GraphQL subscriptions (and queries, mutations) over graphql-ws on the HTTP server's own port and path.
 *
 * A connection carries its token's session: who, until when, and which login (`connectionParams.
 * authorization = "Bearer <token>"`; none = anonymous, public operations only). A bad token closes the
 * connection with 4401 at connect. Afterwards:
 * - at the token's expiry the connection closes with 4401 (a client refreshes and reconnects), and
 *   every operation and every update pushed checks it again, so nothing is served past it;
 * - a deleted user or a revoked login (its refresh-token family revoked) closes it with 4403: checked
 *   for every operation, and for all open connections of the node every `wsAuthRecheckMs` (one query).
 *
 * Abuse limits: subscriptions per connection and per client address (TOO_MANY_SUBSCRIPTIONS for one
 * more); a client that stops reading gets only the latest update per subscription (push-iterator.ts)
 * and, once its unsent bytes stay above `wsSendBufferBytes` for `wsSlowConsumerMs`, is disconnected
 * (4420). Operations are parsed, validated and guarded like HTTP requests (limits.ts, text-input.ts).
 */
export function attachWebSocketServer(server: http.Server, schema: GraphQLSchema, runtime: Runtime): { close(): Promise<void> } {
  const limits = runtime.config.abuse;
  const formatError = (e: GraphQLError) => formatGraphQLError(e.toJSON(), e, { development: runtime.config.nodeEnv === 'development' });
  const wss = new WebSocketServer({ server, path: '/graphql', maxPayload: runtime.config.maxBodyBytes });
  const connections = new Map<object, Connection>();
  const perAddress = new Map<string, number>();
  const now = (): number => Date.now();

  const close = (c: Connection, code: number, reason: string): void => {
    if (c.socket.readyState === c.socket.OPEN) c.socket.close(code, reason);
  };
  const endSession = (c: Connection, end: SessionEnd): void => close(c, CloseCode.Forbidden, end === 'USER_DELETED' ? 'User deleted' : 'Login revoked');
  /** True (and the connection closing) when its token has expired. */
  const expired = (c: Connection): boolean => {
    if (c.session === null || now() < c.session.expiresAt) return false;
    close(c, CloseCode.Unauthorized, 'Token expired');
    return true;
  };
  const release = (c: Connection, id: string): void => {
    if (!c.subscriptions.delete(id)) return;
    const left = (perAddress.get(c.clientAddress) ?? 1) - 1;
    if (left > 0) perAddress.set(c.clientAddress, left);
    else perAddress.delete(c.clientAddress);
  };

  const cleanup = useServer<Record<string, unknown> | undefined, Record<string, never>>(
    {
      schema,
      // Availability updates go to many subscribers at once: execute each distinct operation once per update.
      subscribe: subscribeSharingResults,
      onConnect: async (ctx) => {
        const raw = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        let session: Session | null;
        try {
          session = await runtime.accounts.authenticateSession(typeof raw === 'string' ? raw : undefined);
        } catch (err) {
          if (isDomainError(err) && err.code === 'UNAUTHENTICATED') {
            ctx.extra.socket.close(CloseCode.Unauthorized, 'Unauthorized');
            return false;
          }
          throw err;
        }
        if (session && (await runtime.accounts.endedSessions([session])).size > 0) return false; // 4403 Forbidden
        const clientAddress = clientAddressOf(ctx.extra.request, runtime.config.trustProxy);
        const c: Connection = { socket: ctx.extra.socket, clientAddress, session, subscriptions: new Set(), behindSince: null, expiryTimer: null };
        if (session) {
          // setTimeout holds at most ~24.8 days; access tokens live minutes.
          c.expiryTimer = setTimeout(() => expired(c), Math.min(2 ** 31 - 1, Math.max(0, session.expiresAt - now()))).unref();
        }
        connections.set(ctx.extra, c);
        return true;
      },
      // Parsed, validated and guarded here (not by graphql-ws's defaults) so that every refusal is an
      // error message for the operation, never a closed socket, and the same checks as over HTTP apply.
      onSubscribe: async (ctx, id, payload) => {
        const c = connections.get(ctx.extra);
        if (!c || expired(c)) return [new GraphQLError('Access token expired', { extensions: { code: 'UNAUTHENTICATED', reason: 'TOKEN_EXPIRED' } })];
        if (c.session) {
          const end = (await runtime.accounts.endedSessions([c.session])).get(c.session);
          if (end) {
            endSession(c, end);
            return [new GraphQLError('Session ended', { extensions: { code: 'FORBIDDEN' } })];
          }
        }
        let document;
        try {
          document = parse(payload.query, PARSE_OPTIONS);
        } catch (err) {
          return [err instanceof GraphQLError ? err : new GraphQLError('The query could not be parsed', { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
        }
        const invalid = validate(schema, document, [...specifiedRules, queryLimitRule()]);
        if (invalid.length > 0) return invalid;
        const refused = operationGuardError(schema, document, payload.operationName, payload.variables);
        if (refused) return [refused];
        if (getOperationAST(document, payload.operationName)?.operation === OperationTypeNode.SUBSCRIPTION) {
          const over = overLimit(c, perAddress.get(c.clientAddress) ?? 0, limits);
          if (over) return [over];
          c.subscriptions.add(id);
          perAddress.set(c.clientAddress, (perAddress.get(c.clientAddress) ?? 0) + 1);
        }
        return { schema, document, operationName: payload.operationName ?? null, variableValues: payload.variables ?? null };
      },
      onComplete: (ctx, id) => {
        const c = connections.get(ctx.extra);
        if (c) release(c, id);
      },
      // graphql-ws sends errors as graphql-js made them: give them the same codes and hiding as HTTP answers.
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => formatError(e)),
      // Every update pushed: not past the token's expiry (closing makes graphql-ws drop the message),
      // and note whether the client keeps up with what was sent before.
      onNext: (ctx, _id, _payload, args, result) => {
        const c = connections.get(ctx.extra);
        if (c) {
          expired(c);
          noteBacklog(c, limits, now());
        }
        if (!('errors' in result) || !result.errors) return result;
        const { requestId } = args.contextValue as GraphQLContext;
        for (const e of result.errors) if (isUnexpectedError(e)) logUnexpectedError(runtime.logger, e, { requestId });
        return { ...result, errors: result.errors.map((e) => formatError(e)) };
      },
      onClose: (ctx) => {
        const c = connections.get(ctx.extra);
        if (!c) return;
        connections.delete(ctx.extra);
        if (c.expiryTimer) clearTimeout(c.expiryTimer);
        for (const id of [...c.subscriptions]) release(c, id);
      },
      context: (ctx): GraphQLContext => {
        const c = connections.get(ctx.extra);
        return { runtime, requestId: randomUUID(), viewer: c?.session?.viewer ?? null, clientAddress: c?.clientAddress ?? 'unknown' };
      },
    },
    wss,
  );

  // One watchdog for the node: slow consumers every second, sessions every wsAuthRecheckMs (one query
  // for all open connections, so a revocation anywhere reaches every node through the database).
  let lastRecheck = now();
  let rechecking = false;
  const watchdog = setInterval(() => {
    const t = now();
    for (const c of connections.values()) {
      noteBacklog(c, limits, t);
      if (c.behindSince !== null && t - c.behindSince > limits.wsSlowConsumerMs) {
        close(c, SLOW_CONSUMER_CLOSE_CODE, 'Updates not read');
        // The close frame waits behind what the client does not read: let go of it after a moment.
        setTimeout(() => c.socket.terminate(), 1000).unref();
      }
    }
    if (rechecking || t - lastRecheck < limits.wsAuthRecheckMs) return;
    lastRecheck = t;
    const open = [...connections.values()].filter((c): c is Connection & { session: Session } => c.session !== null);
    if (open.length === 0) return;
    rechecking = true;
    runtime.accounts
      .endedSessions(open.map((c) => c.session))
      .then((ended) => {
        for (const c of open) {
          const end = ended.get(c.session);
          if (end) endSession(c, end);
        }
      })
      .catch((err: unknown) => runtime.logger.warn({ err }, 'WebSocket session re-check failed; trying again at the next round'))
      .finally(() => {
        rechecking = false;
      });
  }, Math.min(1000, limits.wsAuthRecheckMs)).unref();

  return {
    close: async () => {
      clearInterval(watchdog);
      await cleanup.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** TOO_MANY_SUBSCRIPTIONS when one more subscription would pass a cap, else null. */
function overLimit(c: Connection, fromAddress: number, limits: AbuseLimits): GraphQLError | null {
  const refusal = (message: string, limit: number): GraphQLError => {
    const error = new DomainError('TOO_MANY_SUBSCRIPTIONS', message, { limit });
    return new GraphQLError(error.message, { originalError: error });
  };
  if (c.subscriptions.size >= limits.subscriptionsPerConnection) {
    return refusal(`This connection already has ${c.subscriptions.size} subscriptions, the most allowed; complete one first`, limits.subscriptionsPerConnection);
  }
  if (fromAddress >= limits.subscriptionsPerAddress) {
    return refusal(`Your address already has ${fromAddress} subscriptions open, the most allowed`, limits.subscriptionsPerAddress);
  }
  return null;
}

/** Marks since when a connection's unsent bytes exceed the limit; clears the mark once it caught up. */
function noteBacklog(c: Connection, limits: AbuseLimits, t: number): void {
  if (c.socket.bufferedAmount > limits.wsSendBufferBytes) c.behindSince ??= t;
  else c.behindSince = null;
}
