import { pushIterator } from './push-iterator';

describe('pushIterator', () => {
  it('delivers pushed values in order, queued or awaited', async () => {
    let push: (v: number) => void = () => undefined;
    const it = pushIterator<number>((p) => {
      push = p;
      return () => undefined;
    }, String);
    push(1);
    push(2);
    expect(await it.next()).toEqual({ value: 1, done: false });
    expect(await it.next()).toEqual({ value: 2, done: false });
    const pending = it.next();
    push(3);
    expect(await pending).toEqual({ value: 3, done: false });
  });

  it('keeps only the latest waiting value per key while the consumer is busy', async () => {
    let push: (v: { key: string; n: number }) => void = () => undefined;
    const it = pushIterator<{ key: string; n: number }>((p) => {
      push = p;
      return () => undefined;
    }, (v) => v.key);
    for (let n = 1; n <= 1000; n++) push({ key: n % 2 === 0 ? 'a' : 'b', n });
    expect(await it.next()).toEqual({ value: { key: 'b', n: 999 }, done: false });
    expect(await it.next()).toEqual({ value: { key: 'a', n: 1000 }, done: false });
    const pending = it.next();
    push({ key: 'a', n: 1001 });
    expect(await pending).toEqual({ value: { key: 'a', n: 1001 }, done: false });
  });

  it('runs the cleanup once on return and ends a pending next', async () => {
    let stops = 0;
    const it = pushIterator<number>(() => () => {
      stops++;
    }, String);
    const pending = it.next();
    await it.return?.();
    await it.return?.();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(stops).toBe(1);
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });

  it('rejects the consumer when the source fails, and cleans up', async () => {
    let fail: (e: unknown) => void = () => undefined;
    let stopped = false;
    const it = pushIterator<number>((_p, f) => {
      fail = f;
      return () => {
        stopped = true;
      };
    }, String);
    const pending = it.next();
    fail(new Error('feed lost'));
    await expect(pending).rejects.toThrow('feed lost');
    expect(stopped).toBe(true);
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });
});
