import { StreamQueue } from './stream-queue';

/** A queue whose turns are recorded and finish only when the test lets them. */
function recordingQueue(maxBatch: number) {
  const turns: Array<{ stream: string; batch: string[]; finish: () => void }> = [];
  const started: Array<() => void> = [];
  const queue = new StreamQueue<string>((stream, batch) => {
    return new Promise<void>((finish) => {
      turns.push({ stream, batch, finish });
      started.shift()?.();
    });
  }, maxBatch);
  /** Resolves when the next turn has started. */
  const nextTurn = () => new Promise<void>((resolve) => started.push(resolve));
  return { queue, turns, nextTurn };
}

describe('StreamQueue', () => {
  it('given a synchronous burst, when the first turn starts, then the whole burst is in it', async () => {
    const { queue, turns, nextTurn } = recordingQueue(64);
    const first = nextTurn();
    for (const c of ['a', 'b', 'c']) queue.push('s', c);
    await first;
    expect(turns.map((t) => t.batch)).toEqual([['a', 'b', 'c']]);
  });

  it('given a turn in flight, what arrives meanwhile goes together in the next turn, at most maxBatch at a time, in order', async () => {
    const { queue, turns, nextTurn } = recordingQueue(3);
    let started = nextTurn();
    queue.push('s', 'a');
    await started;
    for (const c of ['b', 'c', 'd', 'e', 'f']) queue.push('s', c);
    await new Promise((resolve) => setImmediate(resolve));
    expect(turns).toHaveLength(1); // one turn of a stream at a time
    started = nextTurn();
    turns[0]?.finish();
    await started;
    expect(turns[1]?.batch).toEqual(['b', 'c', 'd']);
    started = nextTurn();
    turns[1]?.finish();
    await started;
    expect(turns[2]?.batch).toEqual(['e', 'f']);
  });

  it('pushFront puts items ahead of those waiting: they go in the next turn first', async () => {
    const { queue, turns, nextTurn } = recordingQueue(64);
    let started = nextTurn();
    queue.push('s', 'a');
    await started;
    queue.push('s', 'later');
    queue.pushFront('s', ['b', 'c']);
    started = nextTurn();
    turns[0]?.finish();
    await started;
    expect(turns[1]?.batch).toEqual(['b', 'c', 'later']);
  });

  it('turns of different streams run side by side; a stream whose turns are done starts afresh', async () => {
    const { queue, turns, nextTurn } = recordingQueue(64);
    const both = Promise.all([nextTurn(), nextTurn()]);
    queue.push('s', 'a');
    queue.push('t', 'b');
    await both;
    expect(turns.map((t) => [t.stream, t.batch])).toEqual([['s', ['a']], ['t', ['b']]]);
    turns[0]?.finish();
    turns[1]?.finish();
    // Let the drains end, then a new arrival starts a new turn.
    await new Promise((resolve) => setImmediate(resolve));
    const again = nextTurn();
    queue.push('s', 'c');
    await again;
    expect(turns[2]).toMatchObject({ stream: 's', batch: ['c'] });
  });
});
