/** The `projection_checkpoints` table: where each projection is in `$all`. */
import type { Selectable } from 'kysely';
import type { ProjectionCheckpointsTable } from '../../db/schema';
import type { SqlExecutor } from '../../db/sql';
import { type Position, START, parsePosition, positionToString } from '../../events/event-store';

type Checkpoint = Pick<Selectable<ProjectionCheckpointsTable>, 'name' | 'position'>;

/** A stored text that does not parse is treated as START: the projection replays rather than skips. */
const parse = (text: string | undefined): Position => (text === undefined ? START : (parsePosition(text) ?? START));

export async function ensureCheckpoint(db: SqlExecutor, name: string): Promise<void> {
  await db.query(`INSERT INTO projection_checkpoints (name, position) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, [
    name,
    positionToString(START),
  ]);
}

export async function readCheckpoint(db: SqlExecutor, name: string): Promise<Position> {
  const r = await db.query<Pick<Checkpoint, 'position'>>(`SELECT position FROM projection_checkpoints WHERE name = $1`, [name]);
  return parse(r.rows[0]?.position);
}

export async function readCheckpoints(db: SqlExecutor, names: readonly string[]): Promise<Map<string, Position>> {
  const r = await db.query<Checkpoint>(
    `SELECT name, position FROM projection_checkpoints WHERE name = ANY ($1::text[])`,
    [names],
  );
  return new Map(r.rows.map((row) => [row.name, parse(row.position)]));
}

/**
 * Lock the checkpoint row for the rest of the transaction and return it. A batch and a rebuild's swap
 * both take this lock first, so they serialise on it and never touch the read model concurrently.
 * `leasePid`: the backend holding this worker's advisory lock; `leased` says whether it still does.
 */
export async function lockCheckpoint(
  tx: SqlExecutor,
  name: string,
  leasePid: number | null = null,
): Promise<{ position: Position; leased: boolean }> {
  const select = () =>
    tx.query<Pick<Checkpoint, 'position'> & { leased: boolean }>(
      `SELECT position,
              ($2::int IS NULL OR EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = $2::int)) AS leased
         FROM projection_checkpoints WHERE name = $1 FOR UPDATE`,
      [name, leasePid],
    );
  let row = (await select()).rows[0];
  if (row === undefined) {
    await ensureCheckpoint(tx, name);
    row = (await select()).rows[0];
  }
  return { position: parse(row?.position), leased: row?.leased ?? false };
}

export async function saveCheckpoint(tx: SqlExecutor, name: string, position: Position): Promise<void> {
  await tx.query(`UPDATE projection_checkpoints SET position = $2, updated_at = now() WHERE name = $1`, [name, positionToString(position)]);
}
