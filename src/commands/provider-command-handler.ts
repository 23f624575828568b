/**
 * The write side: every provider command goes through here. A stream's commands wait in its queue
 * (stream-queue.ts) and go in turns, as a batch (one command is a batch of one), and a turn runs the
 * four steps of Emmett's `handleCommand` on it:
 *   1. load     the stream's state (stream-state-cache.ts: memory, else snapshot + tail);
 *   2. decide   each command on the state its predecessors leave (pure `decide`, event-envelope.ts);
 *   3. append   the batch's events in one append, expecting the revision the state is at;
 *   4. remember the new state for the next turn; then, a step of its own, maybe a snapshot.
 * It loops back on what only a fresher state can settle:
 * - a wrong expected revision (another process appended first): the oldest command goes on alone,
 *   decided again on the caught-up tail, the others wait for the next turn; retries are bounded
 *   (the first at once, then with jitter) and end in CONCURRENCY_CONFLICT. So only a real overlap
 *   surfaces as SLOT_TAKEN: the decider says so on fresh state.
 * - refusals and no-ops decided on memory's state append nothing, so nothing would detect another
 *   process's write: the tail is read once before they are answered, and they are decided again if
 *   the stream moved on (another process may have freed the slot).
 * - an idempotent append of another process's events (two retries of one booking key racing): what
 *   is stored is folded and decided again, so a repeat answers with the stored booking and a key
 *   reused for a different booking is refused.
 * - an append that fails otherwise (the store refused some event's data, a dropped connection): the
 *   batch's commands go again one by one, so one bad command never fails another.
 * Every turn runs through `StreamTurns` (on PostgreSQL: fair turns across processes). The handler
 * reads no clock: a command's time comes with it.
 */
import { DomainError } from '../domain/errors';
import type { AppointmentCommand, ProviderCommand, ProviderState } from '../domain/provider';
import { type AppendResult, type EventData, type EventStore, WrongExpectedVersionError } from '../events/event-store';
import { canonicalJson } from '../events/integrity';
import { providerStreamName } from '../events/provider-events';
import { type StreamTurns, optimisticTurns } from '../events/stream-turns';
import type { Logger } from '../logger';
import { type CommandResult, type Decision, type Queued, answer, decideEach } from './command-batch';
import { type CommandContext, type CommandRequest, type MintedIds, hasDerivedId, hashOf, withMintedIds } from './event-envelope';
import type { SnapshotStore } from './snapshot-store';
import { Snapshotter } from './snapshotter';
import type { StreamIndex } from './stream-index';
import { StreamQueue } from './stream-queue';
import { type StreamState, StreamStateCache } from './stream-state-cache';

export type { CommandContext, CommandRequest, MintedIds } from './event-envelope';
export type { AppendedEvent, CommandResult } from './command-batch';

export interface ProviderCommandHandlerOptions {
  /** Attempts per command before CONCURRENCY_CONFLICT (default 12); a turn that comes to hold its stream starts over once. */
  readonly maxAttempts?: number;
  /** How turns of a stream take turns across processes (default: optimistic only). */
  readonly turns?: StreamTurns;
  /** A snapshot every this many events (default 500). */
  readonly snapshotEvery?: number;
  /** How many provider states to keep in memory (default 10,000). */
  readonly cacheSize?: number;
  readonly onRetry?: () => void;
  /** Most commands of one stream decided and appended together (default 64). */
  readonly maxBatchSize?: number;
}

export class ProviderCommandHandler {
  private readonly cache: StreamStateCache;
  private readonly snapshots: Snapshotter;
  private readonly queue: StreamQueue<Queued>;
  private readonly turns: StreamTurns;
  private readonly maxAttempts: number;

  constructor(
    private readonly eventStore: EventStore,
    snapshotStore: SnapshotStore,
    private readonly index: StreamIndex,
    logger: Logger,
    private readonly options: ProviderCommandHandlerOptions = {},
  ) {
    this.cache = new StreamStateCache(eventStore, snapshotStore, logger, options.cacheSize ?? 10_000);
    this.snapshots = new Snapshotter(snapshotStore, this.cache, options.snapshotEvery ?? 500, logger);
    this.queue = new StreamQueue((stream, batch) => this.turn(stream, batch), Math.max(1, options.maxBatchSize ?? 64));
    this.turns = options.turns ?? optimisticTurns;
    this.maxAttempts = options.maxAttempts ?? 12;
  }

  /** Run `request` on `providerId`'s stream. */
  handle(providerId: string, request: CommandRequest, context: CommandContext): Promise<CommandResult> {
    const { command, minted } = withMintedIds(providerId, request, context.actor.id);
    return this.submit(providerStreamName(providerId), command, context, minted);
  }

  /** Run a command on an appointment, on the stream that holds it: found in the write side's stream index. */
  async handleOnAppointment(command: AppointmentCommand, context: CommandContext): Promise<CommandResult> {
    const { appointmentId } = command.data;
    const stream = await this.index.streamOf(appointmentId);
    if (stream === null) throw new DomainError('NOT_FOUND', `Appointment ${appointmentId} not found`);
    return this.submit(stream, command, context, {});
  }

  /** A provider stream's state as the write side sees it, caught up with the store. */
  async currentState(providerId: string): Promise<{ state: ProviderState; revision: number }> {
    const stream = providerStreamName(providerId);
    const { current, fresh } = await this.cache.load(stream, []);
    const latest = fresh ? current : (await this.caughtUp(stream, current)).latest;
    this.snapshots.consider(stream);
    return { state: latest.state, revision: latest.revision };
  }

  private submit(stream: string, command: ProviderCommand, context: CommandContext, minted: MintedIds): Promise<CommandResult> {
    return new Promise((resolve, reject) => this.queue.push(stream, { command, context, minted, resolve, reject }));
  }

  /** One turn of a stream, then maybe a snapshot of it. Never rejects: every command gets its answer. */
  private async turn(stream: string, batch: readonly Queued[]): Promise<void> {
    try {
      await this.turns.run(stream, (fromTail) => this.decideAndAppend(stream, batch, fromTail));
    } catch (err) {
      for (const q of batch) q.reject(err); // the turn could not start (its lock, say)
    }
    this.snapshots.consider(stream);
  }

  /** The four steps on `batch`, looping back on what only a fresher state settles. Never rejects. */
  private async decideAndAppend(stream: string, batch: readonly Queued[], fromTail: boolean): Promise<void> {
    let group = batch;
    try {
      let { current, fresh } = await this.cache.load(stream, group.map((q) => ({ command: q.command, actorId: q.context.actor.id })));
      if (fromTail && !fresh) {
        const { latest, moved } = await this.caughtUp(stream, current);
        if (moved) await this.turns.otherWriter(stream);
        [current, fresh] = [latest, true];
      }
      for (let attempt = 1; ; attempt++) {
        const { decisions, events, created } = await decideEach(current, group);
        if (events.length === 0 && !fresh) {
          fresh = true;
          const { latest, moved } = await this.caughtUp(stream, current);
          current = latest;
          if (moved) continue;
        }
        if (events.length === 0) return answer(decisions, current.revision + 1, current.position);
        let appended: AppendResult | 'lost';
        try {
          appended = await this.append(stream, current, events, created);
        } catch (err) {
          if (group.length === 1) throw err;
          for (const q of group) await this.decideAndAppend(stream, [q], false);
          return;
        }
        if (appended === 'lost') {
          this.options.onRetry?.();
          // Deciding the whole batch again would leave the door open for as long as that takes, and a
          // process that keeps writing would keep getting in first: the oldest goes on alone.
          this.queue.pushFront(stream, group.slice(1));
          group = group.slice(0, 1);
          if (await this.turns.otherWriter(stream)) attempt = 0;
          else if (attempt >= this.maxAttempts) throw concurrencyConflict(attempt);
          await jitter(attempt);
          [current, fresh] = [(await this.caughtUp(stream, current)).latest, true];
          continue;
        }
        const last = decisions[decisions.length - 1] as Decision;
        this.cache.remember(stream, { state: last.stateAfter, revision: appended.nextExpectedRevision, lastHash: hashOf(events[events.length - 1]?.metadata), position: appended.position });
        answer(decisions, current.revision + 1, appended.position);
        return;
      }
    } catch (err) {
      for (const q of group) q.reject(err);
    }
  }

  /** `current` caught up with the store (and remembered), and whether another process had appended since. */
  private async caughtUp(stream: string, current: StreamState): Promise<{ latest: StreamState; moved: boolean }> {
    const latest = await this.cache.catchUp(stream, current);
    this.cache.remember(stream, latest);
    return { latest, moved: latest.revision !== current.revision };
  }

  /**
   * Append the events expecting `before`'s revision, the stream index made ready for what they create
   * (`created`). 'lost': another process's events stand where these would go. Besides a wrong expected
   * revision, that is an idempotent success with another process's events, which only an append of
   * derived event ids can have (two retries of one booking key racing); unless the store says it wrote
   * ours (EventStoreDB does not say), such an append is read back and compared.
   */
  private async append(stream: string, before: StreamState, events: readonly EventData[], created: readonly string[]): Promise<AppendResult | 'lost'> {
    await this.index.beforeAppend(stream, created);
    try {
      const result = await this.eventStore.appendToStream(stream, events, { expectedRevision: before.revision < 0 ? 'no_stream' : before.revision });
      if (result.idempotent === false || !events.some(hasDerivedId)) return result;
      const stored = await this.eventStore.readStream(stream, { fromRevision: before.revision + 1, maxCount: events.length });
      const ours = stored.length === events.length && stored.every((e, i) => e.id === events[i]?.id && canonicalJson(e.data) === canonicalJson(events[i]?.data));
      return ours ? result : 'lost';
    } catch (err) {
      if (err instanceof WrongExpectedVersionError) return 'lost';
      throw err;
    }
  }
}

const concurrencyConflict = (attempts: number): DomainError =>
  new DomainError('CONCURRENCY_CONFLICT', `The schedule changed ${attempts} times while this command was decided; try again`, { attempts });

/**
 * Before retrying after a wrong expected revision. The first retry goes at once: the failed append
 * answered just after another process's commit, the best moment to get in before that process appends
 * again; sleeping would hand it the stream. Later retries back off with full jitter, growing with the
 * attempt, to spread out processes that keep colliding with each other.
 */
function jitter(attempt: number): Promise<void> {
  if (attempt <= 1) return Promise.resolve();
  const cap = Math.min(100, 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * cap));
}
