/**
 * A batch of commands of one stream, as one turn of the command handler takes them: decided one after
 * another, each on the state its predecessors leave, their events chained into one envelope for one
 * append; then each command answered with its own events or its own refusal.
 */
import { type ProviderCommand, type ProviderState, decide, entitiesCreatedBy, evolve } from '../domain/provider';
import type { EventData, Position, RecordedEvent } from '../events/event-store';
import { type CommandContext, type MintedIds, envelope, hashOf } from './event-envelope';
import type { StreamState } from './stream-state-cache';

/** An event a command appended, as the store holds it. */
export type AppendedEvent = Pick<RecordedEvent, 'revision' | 'id' | 'type' | 'data' | 'metadata'>;

export interface CommandResult {
  /** State after the command (and its predecessors in the batch); unchanged for a no-op. */
  readonly state: ProviderState;
  /** Events the command appended, with their revisions; none for a no-op (an idempotent repeat). */
  readonly events: readonly AppendedEvent[];
  /** Revision of the stream the answer reflects: the command's last event, else the one before it. */
  readonly revision: number;
  /**
   * For read-your-writes: the position of the append the command's events went in (one transaction:
   * they become visible together); when nothing was appended, of the last event the state includes.
   */
  readonly position: Position | null;
  /** Ids the write side minted for the command (a booking's appointment id). */
  readonly minted: MintedIds;
}

/** A command waiting for its stream's turn, with whoever waits for its answer. */
export interface Queued {
  readonly command: ProviderCommand;
  readonly context: CommandContext;
  readonly minted: MintedIds;
  readonly resolve: (result: CommandResult) => void;
  readonly reject: (err: unknown) => void;
}

/** One command of a batch as decided: its refusal, or its events (after `offset` of the batch's) and the state they leave. */
export interface Decision {
  readonly queued: Queued;
  readonly refusal: { readonly error: unknown } | null;
  readonly events: readonly EventData[];
  readonly offset: number;
  readonly stateAfter: ProviderState;
}

/** Commands decided between two yields to the event loop. */
const DECISIONS_PER_SLICE = 16;

/** Decide each command on the state its predecessors leave; their events chained in one envelope. */
export async function decideEach(from: StreamState, group: readonly Queued[]): Promise<{ decisions: Decision[]; events: EventData[]; created: string[] }> {
  const decisions: Decision[] = [];
  const events: EventData[] = [];
  const created: string[] = [];
  let { state, lastHash } = from;
  for (const [i, queued] of group.entries()) {
    // Deciding is CPU work: give the event loop back now and then rather than hold it for a whole
    // batch, so other streams' requests and pending I/O do not wait behind it.
    if (i > 0 && i % DECISIONS_PER_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
    try {
      const decided = decide(queued.command, state, { now: queued.context.now, actor: queued.context.actor });
      const data = envelope(decided, queued.context, lastHash);
      for (const e of decided) state = evolve(state, e);
      lastHash = hashOf(data[data.length - 1]?.metadata) ?? lastHash;
      decisions.push({ queued, refusal: null, events: data, offset: events.length, stateAfter: state });
      events.push(...data);
      created.push(...decided.flatMap(entitiesCreatedBy));
    } catch (error) {
      decisions.push({ queued, refusal: { error }, events: [], offset: events.length, stateAfter: state });
    }
  }
  return { decisions, events, created };
}

/** Each command's answer: its refusal, or its own events at their revisions (the batch's from `first`). */
export function answer(decisions: readonly Decision[], first: number, position: Position | null): void {
  for (const { queued, refusal, events, offset, stateAfter } of decisions) {
    if (refusal !== null) {
      queued.reject(refusal.error);
      continue;
    }
    const own = events.map((e, i): AppendedEvent => ({ revision: first + offset + i, id: e.id, type: e.type, data: e.data, metadata: e.metadata ?? {} }));
    queued.resolve({ state: stateAfter, events: own, revision: first + offset + own.length - 1, position, minted: queued.minted });
  }
}
