/**
 * graphql-js executes a subscription's selection set once per subscriber and event. When a thousand
 * subscribers receive the same event with the same operation, that is a thousand identical results:
 * for events marked shareable (their fields depend on nothing but the event itself — not on the viewer
 * or the request), the first execution's result is reused by every subscriber whose operation text,
 * operation name and variables are the same.
 */
import { type ExecutionArgs, type ExecutionResult, createSourceEventStream, execute } from 'graphql';
import { mapAsyncIterator } from 'graphql/execution/mapAsyncIterator';

type Result = ExecutionResult | Promise<ExecutionResult>;

const shareable = new WeakMap<object, Map<string, Result>>();

/** Declare that executing any operation on `payload` gives the same result whoever subscribed. */
export function markShareable<T extends object>(payload: T): T {
  if (!shareable.has(payload)) shareable.set(payload, new Map());
  return payload;
}

/** Per subscription (one ExecutionArgs each): computed once, not once per event. */
const keys = new WeakMap<ExecutionArgs, string | null>();

function operationKey(args: ExecutionArgs): string | null {
  let key = keys.get(args);
  if (key === undefined) {
    const text = args.document.loc?.source.body;
    key = text === undefined ? null : JSON.stringify([text, args.operationName ?? null, args.variableValues ?? null]);
    keys.set(args, key);
  }
  return key;
}

/**
 * Each event executes with a context of its own: per-operation caches keyed by the context (the
 * DataLoaders of graphql/loaders.ts) then live for one event, not for as long as the subscription,
 * so nested data (a renamed provider) is read fresh for every update pushed.
 */
function perEvent(args: ExecutionArgs, payload: unknown): ExecutionArgs {
  const context: unknown = args.contextValue;
  return { ...args, rootValue: payload, contextValue: typeof context === 'object' && context !== null ? { ...context } : context };
}

function executeEvent(args: ExecutionArgs, payload: unknown): Result {
  const results = typeof payload === 'object' && payload !== null ? shareable.get(payload) : undefined;
  const key = results ? operationKey(args) : null;
  if (!results || key === null) return execute(perEvent(args, payload));
  let result = results.get(key);
  if (result === undefined) {
    result = execute(perEvent(args, payload));
    results.set(key, result);
  }
  return result;
}

/** graphql-js `subscribe`, executing shareable events once per distinct operation. */
export async function subscribeSharingResults(args: ExecutionArgs): Promise<AsyncGenerator<ExecutionResult, void, void> | ExecutionResult> {
  const stream = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in stream)) return stream as ExecutionResult;
  return mapAsyncIterator(stream as AsyncIterable<unknown>, (payload) => executeEvent(args, payload));
}
