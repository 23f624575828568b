/**
 * Closed-loop load: `clients` workers, each issuing its next operation as soon as the previous one
 * answered, for a fixed time. Throughput is answered operations over the measured wall time; every
 * latency is kept for percentiles.
 */
import { msSince } from './stats';

export interface LoadResult {
  readonly ok: number;
  readonly failed: number;
  readonly elapsedMs: number;
  readonly latenciesMs: number[];
  /** Error codes (or messages) of failed operations, counted. */
  readonly failures: Record<string, number>;
}

/** What one operation reports: true or nothing when it did what was asked, else a failure label. */
export type Operation = (client: number, iteration: number) => Promise<true | string | void>;

export async function closedLoop(options: { clients: number; durationMs?: number; operationsPerClient?: number; operation: Operation }): Promise<LoadResult> {
  const { clients, durationMs, operationsPerClient, operation } = options;
  if (durationMs === undefined && operationsPerClient === undefined) throw new Error('closedLoop needs a duration or an operation count');
  const latenciesMs: number[] = [];
  const failures: Record<string, number> = {};
  let ok = 0;
  let failed = 0;
  const started = process.hrtime.bigint();
  const deadline = durationMs === undefined ? Infinity : Date.now() + durationMs;
  const worker = async (client: number): Promise<void> => {
    for (let i = 0; i < (operationsPerClient ?? Infinity) && Date.now() < deadline; i++) {
      const t0 = process.hrtime.bigint();
      let outcome: true | string | void;
      try {
        outcome = await operation(client, i);
      } catch (err) {
        outcome = err instanceof Error ? (((err as { code?: unknown }).code as string | undefined) ?? err.message) : String(err);
      }
      latenciesMs.push(msSince(t0));
      if (outcome === true || outcome === undefined) ok++;
      else {
        failed++;
        failures[outcome] = (failures[outcome] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, c) => worker(c)));
  return { ok, failed, elapsedMs: msSince(started), latenciesMs, failures };
}
