/**
 * Set-based statements of the rebuilders and the live fast path, bundled so that one batch costs a
 * few round trips whatever it holds: several reads in one statement, and several writes to different
 * tables (or to different rows of one table) in one statement, as data-modifying CTEs.
 */
import type { SqlExecutor } from '../../db/sql';

export interface RowsRead {
  readonly table: string;
  readonly key: string;
  readonly ids: readonly string[];
}

/** For each read, the rows of `table` whose `key` is one of `ids`, as JSON objects keyed by column; one statement. */
export async function fetchTogether(tx: SqlExecutor, reads: readonly RowsRead[]): Promise<unknown[][]> {
  const asked = reads.map((read, i) => ({ read, i })).filter(({ read }) => read.ids.length > 0);
  const found: unknown[][] = reads.map(() => []);
  if (asked.length === 0) return found;
  const columns = asked.map(
    ({ read }, n) => `(SELECT COALESCE(json_agg(to_jsonb(t)), '[]'::json) FROM ${read.table} t WHERE t.${read.key} = ANY ($${n + 1}::text[])) AS r${n}`,
  );
  const r = await tx.query<Record<string, unknown[]>>(`SELECT ${columns.join(', ')}`, asked.map(({ read }) => read.ids));
  const row = r.rows[0] ?? {};
  asked.forEach(({ i }, n) => {
    found[i] = row[`r${n}`] ?? [];
  });
  return found;
}

/** One write of a bundle: SQL with its one parameter, `$?` standing for that parameter's place. */
export interface Write {
  readonly sql: string;
  readonly value: unknown;
}

/** Insert complete rows (JSON objects keyed by column), replacing any row with the same `key`; null when none. */
export function upsertWrite(table: string, key: string, columns: readonly string[], rows: readonly object[]): Write | null {
  if (rows.length === 0) return null;
  const set = columns.filter((c) => c !== key).map((c) => `${c} = EXCLUDED.${c}`).join(', ');
  return {
    sql: `INSERT INTO ${table} (${columns.join(', ')})
          SELECT ${columns.join(', ')} FROM json_populate_recordset(NULL::${table}, $?::json)
          ON CONFLICT (${key}) DO UPDATE SET ${set}`,
    value: JSON.stringify(rows),
  };
}

/** Delete the rows of `table` whose `key` is one of `ids`; null when none. */
export function deleteWrite(table: string, key: string, ids: readonly string[]): Write | null {
  return ids.length === 0 ? null : { sql: `DELETE FROM ${table} WHERE ${key} = ANY ($?::text[])`, value: ids };
}

/**
 * The writes as one statement. They must not depend on each other: CTEs of one statement all see the
 * snapshot from before it, so no two may touch the same row (a delete and an insert of one key go in
 * statements of their own, one after the other).
 */
export async function writeTogether(tx: SqlExecutor, writes: ReadonlyArray<Write | null>): Promise<void> {
  const present = writes.filter((w): w is Write => w !== null);
  if (present.length === 0) return;
  const sql = (w: Write, n: number): string => w.sql.replace('$?', `$${n + 1}`);
  const text = present.length === 1 ? sql(present[0] as Write, 0) : `WITH ${present.map((w, n) => `w${n} AS (${sql(w, n)})`).join(', ')} SELECT 1`;
  await tx.query(text, present.map((w) => w.value));
}
