/** Helpers of the rebuilders (projection.ts, ProjectionRebuilder). */
import { RebuildRefusal } from './projection';

/** Instants the rebuilders take without a second thought: years 1–9999 (PostgreSQL stores far more). */
const SAFE_MIN_MS = Date.parse('0001-01-01T00:00:00.000Z');
const SAFE_MAX_MS = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * A rebuilder leaves anything the database might refuse to store to the careful path: over-cautious
 * is fine, under-cautious is not (a refusal found only when held rows are flushed could not be
 * traced back to its event).
 */
export function requireStorable(what: string, ...instants: Array<string | number | null>): void {
  for (const v of instants) {
    if (v === null || (typeof v === 'string' && isPlainIso(v))) continue;
    const ms = typeof v === 'number' ? v : Date.parse(v);
    if (!(ms >= SAFE_MIN_MS && ms <= SAFE_MAX_MS)) throw new RebuildRefusal('22008', `${what}: instant ${String(v)} is left to the careful path`);
  }
}

/** `YYYY-MM-DDTHH:mm:ss.sssZ` with a year from 0001 to 9999: how `toISOString` writes such instants. */
const isPlainIso = (v: string): boolean => v.length === 24 && v.charCodeAt(23) === 90 && v.charCodeAt(4) === 45 && v >= '0001' && v < ':';

/**
 * A map whose changes during a page can be taken back, for rebuilders (projection.ts,
 * ProjectionRebuilder): a page reads and writes the map directly, every change remembers what it
 * replaced, `commit` forgets that once the page's transaction committed and `discard` puts it all back
 * when the transaction was rolled back. Rows are never changed in place across that line: `edit` hands
 * out a copy the first time a page changes a row, and the page changes only its copies. Writing to
 * `base` directly (rows just read from the database) is not taken back: it was true before the page.
 */
const NONE: unique symbol = Symbol('none');

/** What a page folds into or forgets, whatever it holds. */
export interface PageLayer {
  commit(): void;
  discard(): void;
}

export class Layered<V extends object | null> implements PageLayer {
  readonly base = new Map<string, V>();
  private undo: Array<[string, V | typeof NONE]> = [];
  /** Rows this page made (by `edit` or `set`): its own to change in place. */
  private own = new WeakSet<object>();

  constructor(private readonly touched: (map: PageLayer) => void) {}

  get(key: string): V | undefined {
    return this.base.get(key);
  }

  has(key: string): boolean {
    return this.base.has(key);
  }

  set(key: string, value: V): void {
    this.remember(key);
    this.base.set(key, value);
    if (value !== null) this.own.add(value);
  }

  delete(key: string): void {
    this.remember(key);
    this.base.delete(key);
  }

  /** The value of `key` as this page may change it: a copy of the committed row, made once per page. */
  edit(key: string): V | undefined {
    const current = this.base.get(key);
    if (current === undefined || current === null || this.own.has(current)) return current;
    const copy = { ...current } as V;
    this.set(key, copy);
    return copy;
  }

  forEach(visit: (value: V) => void): void {
    this.base.forEach((value) => visit(value));
  }

  commit(): void {
    this.undo = [];
    this.own = new WeakSet();
  }

  discard(): void {
    for (let i = this.undo.length - 1; i >= 0; i--) {
      const [key, previous] = this.undo[i] as [string, V | typeof NONE];
      if (previous === NONE) this.base.delete(key);
      else this.base.set(key, previous);
    }
    this.commit();
  }

  private remember(key: string): void {
    if (this.undo.length === 0) this.touched(this);
    this.undo.push([key, this.base.has(key) ? (this.base.get(key) as V) : NONE]);
  }
}
