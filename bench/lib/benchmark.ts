/** What every benchmark module exports, and what it reports back to the runner. */

export interface BenchContext {
  /** Small sizes and short durations: proves the benchmark runs, measures nothing worth quoting. */
  readonly quick: boolean;
  /** Repetitions of every measurement; tables report the median of the runs. */
  readonly rounds: number;
  log(message: string): void;
}

export interface Table {
  readonly title?: string;
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<ReadonlyArray<string | number>>;
}

export interface Target {
  readonly label: string;
  readonly measured: number;
  readonly op: '>=' | '<=' | '==';
  readonly target: number;
  readonly unit?: string;
}

export interface BenchOutcome {
  readonly tables: readonly Table[];
  readonly targets: readonly Target[];
  /** Anything else worth keeping in the JSON (raw per-round numbers, sizes). */
  readonly details?: unknown;
  readonly notes?: readonly string[];
}

export interface Benchmark {
  readonly id: string;
  readonly title: string;
  run(ctx: BenchContext): Promise<BenchOutcome>;
}

export function targetMet(t: Target): boolean {
  if (t.op === '>=') return t.measured >= t.target;
  if (t.op === '<=') return t.measured <= t.target;
  return t.measured === t.target;
}
