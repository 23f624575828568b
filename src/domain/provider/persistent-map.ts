/**
 * A persistent (immutable-to-its-users) map with O(1) `set`/`delete` when versions are used one after
 * another, which is how a decider folds a stream: `state = evolve(state, event)` 100,000 times.
 *
 * Why not copy a `Map` per event: that is O(n) per event and O(n²) per stream replay.
 * Why not mutate a shared `Map` and ask callers to drop old states: a command handler that caches a
 * state and hands it to two concurrent requests would see one request's events appear inside the
 * other's "old" state, silently (double-applied events, wrong expected revision). Every version here
 * stays correct no matter who keeps it.
 *
 * Technique: Baker's "shallow binding" / rerooting (as in Conchon & Filliâtre's persistent arrays).
 * All versions of one family share a single real `Map`, which holds the contents of the version that
 * was touched last (the root). Every other version is a cell holding one diff towards its newer (or
 * older) neighbour. Reading a version first "reroots" the family onto it by replaying the diffs on the
 * path, reversing each one. Linear use keeps the root where the work happens, so every operation is
 * O(1); going back to an old version costs the number of changes in between, once.
 *
 * Rerooting mutates internal cells but never what any version means, so readers (like `decide`) see
 * an unchanged state. JavaScript is single-threaded and no method hands out a live iterator (they
 * return arrays), so a reroot can never happen in the middle of someone's iteration.
 *
 * Values must not be `undefined`: `undefined` marks "no entry" in the diffs.
 */

type CellState<K, V> =
  | { readonly kind: 'root'; readonly map: Map<K, V> }
  /** This version equals `next` with `key` set to `value` (`undefined`: key absent). */
  | { readonly kind: 'diff'; readonly key: K; readonly value: V | undefined; readonly next: Cell<K, V> };

interface Cell<K, V> {
  state: CellState<K, V>;
}

/** Make `cell` the root of its family and return the shared map, now holding `cell`'s contents. */
function reroot<K, V>(cell: Cell<K, V>): Map<K, V> {
  if (cell.state.kind === 'root') return cell.state.map;
  // Iterative, not recursive: the path to the root can be as long as a whole stream.
  const path: Cell<K, V>[] = [];
  let cursor: Cell<K, V> = cell;
  while (cursor.state.kind === 'diff') {
    path.push(cursor);
    cursor = cursor.state.next;
  }
  const map = cursor.state.map;
  // Walk back from the cell nearest the root to `cell`, turning each diff around as we pass it.
  for (let step = path.pop(); step !== undefined; step = path.pop()) {
    const diff = step.state;
    if (diff.kind !== 'diff') continue; // cannot happen: only diff cells were pushed
    const current = map.get(diff.key);
    if (diff.value === undefined) map.delete(diff.key);
    else map.set(diff.key, diff.value);
    diff.next.state = { kind: 'diff', key: diff.key, value: current, next: step };
    step.state = { kind: 'root', map };
  }
  return map;
}

export class PersistentMap<K, V> {
  private constructor(private readonly cell: Cell<K, V>) {}

  static empty<K, V>(): PersistentMap<K, V> {
    return new PersistentMap<K, V>({ state: { kind: 'root', map: new Map<K, V>() } });
  }

  /** A map holding `entries` (a later entry of a key wins), built in one go: no version per entry. */
  static of<K, V>(entries: Iterable<readonly [K, V]>): PersistentMap<K, V> {
    const map = new Map<K, V>();
    for (const [key, value] of entries) if (value !== undefined) map.set(key, value);
    return new PersistentMap<K, V>({ state: { kind: 'root', map } });
  }

  get(key: K): V | undefined {
    return reroot(this.cell).get(key);
  }

  has(key: K): boolean {
    return reroot(this.cell).has(key);
  }

  get size(): number {
    return reroot(this.cell).size;
  }

  /** A snapshot array (never a live iterator, see the file comment). */
  values(): V[] {
    return Array.from(reroot(this.cell).values());
  }

  keys(): K[] {
    return Array.from(reroot(this.cell).keys());
  }

  entries(): [K, V][] {
    return Array.from(reroot(this.cell).entries());
  }

  /** A new version with `key` set; this version is unchanged. */
  set(key: K, value: V): PersistentMap<K, V> {
    if (value === undefined) return this.delete(key);
    return this.change(key, value);
  }

  /** A new version without `key`; this version is unchanged. */
  delete(key: K): PersistentMap<K, V> {
    return this.change(key, undefined);
  }

  private change(key: K, value: V | undefined): PersistentMap<K, V> {
    const map = reroot(this.cell);
    const previous = map.get(key);
    const next: Cell<K, V> = { state: { kind: 'root', map } };
    this.cell.state = { kind: 'diff', key, value: previous, next };
    if (value === undefined) map.delete(key);
    else map.set(key, value);
    return new PersistentMap(next);
  }
}
