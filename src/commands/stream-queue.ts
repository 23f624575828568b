/**
 * Commands waiting per stream for the stream's next turn. A stream has one turn at a time in this
 * process, so commands for it never race each other for the expected revision (only other processes
 * can); and whatever arrives while a turn runs goes together in the next one, at most `maxBatch` at a
 * time, in arrival order (group commit: a hot stream costs one append per turn, not one per command).
 * Turns of different streams run side by side.
 */
export class StreamQueue<T> {
  /** Per stream with a turn running or about to: what waits for its next turn. */
  private readonly waiting = new Map<string, T[]>();

  /** `turn` runs one turn of a stream with the items it takes; it must not reject. */
  constructor(
    private readonly turn: (stream: string, batch: T[]) => Promise<void>,
    private readonly maxBatch: number,
  ) {}

  /** `item` goes in the stream's next turn, after everything already waiting. */
  push(stream: string, item: T): void {
    this.enqueue(stream, [item], false);
  }

  /** `items` go in the stream's next turn, ahead of everything waiting: they were there first. */
  pushFront(stream: string, items: readonly T[]): void {
    if (items.length > 0) this.enqueue(stream, items, true);
  }

  private enqueue(stream: string, items: readonly T[], front: boolean): void {
    const waiting = this.waiting.get(stream);
    if (waiting === undefined) {
      this.waiting.set(stream, [...items]);
      void this.drain(stream);
    } else if (front) waiting.unshift(...items);
    else waiting.push(...items);
  }

  private async drain(stream: string): Promise<void> {
    // Start on the next microtask: the rest of a synchronous burst of arrivals joins the first turn.
    await Promise.resolve();
    const waiting = this.waiting.get(stream) as T[];
    while (waiting.length > 0) await this.turn(stream, waiting.splice(0, this.maxBatch));
    this.waiting.delete(stream);
  }
}
