/**
 * Turns a push source (listener callbacks) into the AsyncIterable a GraphQL subscription returns.
 * Values queue up while the consumer is busy; `return()` (the client unsubscribed or disconnected)
 * runs the source's cleanup exactly once, so no listener outlives its subscription.
 */
export function pushIterator<T>(start: (push: (value: T) => void, fail: (err: unknown) => void) => () => void): AsyncIterableIterator<T> {
  const queue: T[] = [];
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
      queue.length = 0;
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
