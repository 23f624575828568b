/**
 * How the writers of one stream take turns. Within a process a stream's commands already go one turn
 * at a time (src/commands/stream-queue.ts); across processes the expected revision of every append
 * decides who wins, optimistically. That is always correct, but not always fair: a process can keep
 * losing to one that writes a stream without pause. An implementation of this port may make such a
 * stream's turns take turns across processes too (postgres/stream-turns.ts); the command handler runs
 * each turn through it without knowing how.
 */
export interface StreamTurns {
  /**
   * Run one turn of `stream`, perhaps after waiting for other processes' turns of it. `fromTail`:
   * another process is likely to have written the stream since this one looked, so the turn should
   * read the stream's tail before deciding anything.
   */
  run<T>(stream: string, turn: (fromTail: boolean) => Promise<T>): Promise<T>;
  /**
   * Inside a turn of `stream`: another process wrote it (an append lost the race, or the tail read at
   * the start of the turn had news). Resolves true when the turn now holds the stream against other
   * processes, which it did not before, so a retry no longer races; false when nothing changed.
   */
  otherWriter(stream: string): Promise<boolean>;
  close(): Promise<void>;
}

/** Optimistic turns only: every process races, the expected revision decides (PGlite: one process). */
export const optimisticTurns: StreamTurns = {
  run: (_stream, turn) => turn(false),
  otherWriter: async () => false,
  close: async () => undefined,
};
