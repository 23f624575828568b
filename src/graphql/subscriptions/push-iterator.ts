/**
 * Turns a push source (listener callbacks) into the AsyncIterable a GraphQL subscription returns.
 * `return()` (the client unsubscribed or disconnected) runs the source's cleanup exactly once, so no
 * listener outlives its subscription.
 *
 * While the consumer is busy (graphql-ws waits until each message has been handed to the network, so
 * a client that stops reading keeps it busy), values wait, but only the latest per `latestBy(value)`:
 * an update replaces the one of the same key that is still waiting (a newer slot list the older one,
 * a newer state of an appointment its older state). What waits is bounded by the number of keys, never
 * by how many updates come while a client is not reading.
 */
export function pushIterator<T>(
  start: (push: (value: T) => void, fail: (err: unknown) => void) => () => void,
  latestBy: (value: T) => string,
): AsyncIterableIterator<T> {
  const waitingValues = new Map<string, T>();
  const queue = {
    push: (value: T): void => {
      const key = latestBy(value);
      waitingValues.delete(key); // re-inserted last: the newest state goes out after older keys
      waitingValues.set(key, value);
    },
    shift: (): T | undefined => {
      const first = waitingValues.entries().next();
      if (first.done) return undefined;
      waitingValues.delete(first.value[0]);
      return first.value[1];
    },
    clear: (): void => waitingValues.clear(),
  };
  let waiting: ((r: IteratorResult<T>) => void) | null = null;
  let failWaiting: ((err: unknown) => void) | null = null;
  let failure: { err: unknown } | null = null;
  let done = false;
  let stop: () => void = () => undefined;
  stop = start(
    (value) => {
      if (done) return;
      if (waiting) {
        const w = waiting;
        waiting = null;
        failWaiting = null;
        w({ value, done: false });
      } else queue.push(value);
    },
    (err) => {
      if (done) return;
      if (failWaiting) {
        const f = failWaiting;
        waiting = null;
        failWaiting = null;
        finish();
        f(err);
      } else failure = { err };
    },
  );
  // A source that fails synchronously inside start() has finished before its cleanup was known.
  if (done) stop();
  function finish(): IteratorResult<T> {
    if (!done) {
      done = true;
      queue.clear();
      stop();
      waiting?.({ value: undefined, done: true });
      waiting = null;
    }
    return { value: undefined, done: true };
  }
  return {
    next: () => {
      if (failure) {
        const { err } = failure;
        finish();
        return Promise.reject(err);
      }
      const value = queue.shift();
      if (value !== undefined) return Promise.resolve({ value, done: false });
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise<IteratorResult<T>>((resolve, reject) => {
        waiting = resolve;
        failWaiting = reject;
      });
    },
    return: () => Promise.resolve(finish()),
    throw: (err: unknown) => {
      finish();
      return Promise.reject(err);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
