/**
 * Read-your-writes: `waitFor(position)` resolves true once every projection's checkpoint is at or
 * past `position`, false after the timeout. Waiters are woken by progress reports — from this
 * process's own workers after each commit, and from other processes' workers through the change
 * feed — never by polling. A waiter that is not satisfied at once reads the checkpoints once (shared
 * by every waiter arriving meanwhile), which covers a notification missed before it subscribed.
 */
import { type Position, START, comparePositions } from '../../events/event-store';

interface Waiter {
  readonly target: Position;
  readonly resolve: (reached: boolean) => void;
}

export class ProgressTracker {
  private readonly positions = new Map<string, Position>();
  private readonly waiters = new Set<Waiter>();
  private refreshing: Promise<void> | null = null;

  constructor(
    private readonly names: readonly string[],
    /** Reads the stored checkpoints (a fallback; null = nothing to read, the in-memory view is complete). */
    private readonly loadCheckpoints: (() => Promise<ReadonlyMap<string, Position>>) | null,
  ) {}

  /** The lowest checkpoint over all projections: everything up to it is visible in every read model. */
  low(): Position {
    let low: Position | null = null;
    for (const name of this.names) {
      const p = this.positions.get(name) ?? START;
      if (low === null || comparePositions(p, low) < 0) low = p;
    }
    return low ?? START;
  }

  position(name: string): Position {
    return this.positions.get(name) ?? START;
  }

  /** A projection reached `position` (reports that arrive late or twice are harmless). */
  advance(name: string, position: Position): void {
    const current = this.positions.get(name);
    // Checkpoints only grow (a rebuild swaps in a copy at least as far as the live one).
    if (current !== undefined && comparePositions(position, current) <= 0) return;
    this.positions.set(name, position);
    this.settle();
  }

  waitFor(target: Position | null, timeoutMs: number): Promise<boolean> {
    if (target === null || comparePositions(this.low(), target) >= 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter: Waiter = {
        target,
        resolve: (reached) => {
          if (timer !== undefined) clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(reached);
        },
      };
      this.waiters.add(waiter);
      timer = setTimeout(() => waiter.resolve(comparePositions(this.low(), target) >= 0), Math.max(0, timeoutMs));
      void this.refresh();
    });
  }

  /** Re-read the stored checkpoints; concurrent callers share one read. */
  refresh(): Promise<void> {
    if (this.loadCheckpoints === null) return Promise.resolve();
    this.refreshing ??= this.loadCheckpoints()
      .then((stored) => {
        for (const [name, p] of stored) this.advance(name, p);
      })
      .catch(() => undefined)
      .finally(() => {
        this.refreshing = null;
      });
    return this.refreshing;
  }

  get pendingWaiters(): number {
    return this.waiters.size;
  }

  private settle(): void {
    if (this.waiters.size === 0) return;
    const low = this.low();
    for (const w of [...this.waiters]) if (comparePositions(low, w.target) >= 0) w.resolve(true);
  }
}
