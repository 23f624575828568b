/**
 * The live change feed: after a projection commits a batch, what it changed (and the checkpoint it
 * reached) goes out on the `slotstream_changes` channel — PostgreSQL NOTIFY across processes, an
 * in-process call on PGlite. Every process listens: it drops its cached availability of the providers
 * named, advances its read-your-writes tracker, and hands each change to its subscribers (the GraphQL
 * layer's `availabilityChanged` and `appointmentChanged`).
 *
 * Delivery is at most once (a NOTIFY lost with a crashed publisher is not repeated): subscribers get
 * live hints, never the record. Large batches are split into several notifications (NOTIFY payloads
 * must stay under 8000 bytes); the checkpoint rides on the last one, so a process has dropped every
 * stale cache entry before it reports the position reached.
 */
import { randomUUID } from 'node:crypto';
import type { SqlPool } from '../../db/sql';
import { type Position, parsePosition, positionToString } from '../../events/event-store';
import type { Logger } from '../../logger';
import type { ReadModelChange } from './change';

export const CHANGES_CHANNEL = 'slotstream_changes';
const MAX_PAYLOAD_BYTES = 7000;

type WireChange =
  | { readonly k: 'a'; readonly p: string; readonly f?: string; readonly t?: string }
  | { readonly k: 'ap'; readonly a: string; readonly p: string; readonly c: string; readonly o: string }
  | { readonly k: 'r'; readonly j: string };

interface WireMessage {
  readonly v: 1;
  /** The publishing process: it applied its own changes before publishing them. */
  readonly src: string;
  readonly proj: string;
  readonly pos?: string;
  readonly ch: readonly WireChange[];
}

function toWire(c: ReadModelChange): WireChange {
  switch (c.kind) {
    case 'availability':
      return c.from === null || c.to === null ? { k: 'a', p: c.providerId } : { k: 'a', p: c.providerId, f: c.from.toISOString(), t: c.to.toISOString() };
    case 'appointment':
      return { k: 'ap', a: c.appointmentId, p: c.providerId, c: c.customerId, o: c.ownerId };
    case 'reset':
      return { k: 'r', j: c.projection };
    default: {
      const _exhaustive: never = c;
      return _exhaustive;
    }
  }
}

function fromWire(w: WireChange): ReadModelChange | null {
  switch (w.k) {
    case 'a':
      return { kind: 'availability', providerId: w.p, from: w.f ? new Date(w.f) : null, to: w.t ? new Date(w.t) : null };
    case 'ap':
      return { kind: 'appointment', appointmentId: w.a, providerId: w.p, customerId: w.c, ownerId: w.o };
    case 'r':
      return { kind: 'reset', projection: w.j };
    default:
      return null;
  }
}

export type ChangeListener = (change: ReadModelChange) => void;

export interface RemoteProgressHandler {
  /** Changes another process committed: drop caches first. */
  changed(changes: readonly ReadModelChange[]): void;
  /** Another process's worker reached `position` for `projection`. */
  progressed(projection: string, position: Position): void;
}

export class ChangeFeed {
  /** Tells this process's own notifications apart from other processes'. */
  readonly instanceId = randomUUID();
  private readonly listeners = new Set<ChangeListener>();
  private unlisten: (() => Promise<void>) | null = null;

  constructor(
    private readonly pool: SqlPool,
    private readonly logger: Logger,
    private readonly remote: RemoteProgressHandler,
  ) {}

  async start(): Promise<void> {
    this.unlisten ??= await this.pool.listen(CHANGES_CHANNEL, (payload) => this.receive(payload));
  }

  async stop(): Promise<void> {
    const unlisten = this.unlisten;
    this.unlisten = null;
    await unlisten?.();
  }

  /**
   * Call `listener` with every change any process's projections commit from now on. Returns the
   * function that unsubscribes. Called synchronously from the notification handler: keep it quick
   * and do not throw (a throwing listener is logged and skipped).
   */
  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Publish what a committed batch changed and the checkpoint it reached. */
  async publish(projection: string, position: Position, changes: readonly ReadModelChange[]): Promise<void> {
    const base = { v: 1 as const, src: this.instanceId, proj: projection };
    const chunks: WireChange[][] = [[]];
    let size = 0;
    for (const change of changes) {
      const wire = toWire(change);
      const bytes = Buffer.byteLength(JSON.stringify(wire)) + 1;
      const current = chunks[chunks.length - 1] as WireChange[];
      if (size + bytes > MAX_PAYLOAD_BYTES && current.length > 0) {
        chunks.push([wire]);
        size = bytes;
      } else {
        current.push(wire);
        size += bytes;
      }
    }
    try {
      for (let i = 0; i < chunks.length; i++) {
        const last = i === chunks.length - 1;
        const message: WireMessage = { ...base, ch: chunks[i] ?? [], ...(last ? { pos: positionToString(position) } : {}) };
        await this.pool.notify(CHANGES_CHANNEL, JSON.stringify(message));
      }
    } catch (err) {
      this.logger.warn({ err, projection }, 'publishing read-model changes failed; other processes learn of them late');
    }
  }

  private receive(payload: string): void {
    let message: WireMessage;
    try {
      message = JSON.parse(payload) as WireMessage;
    } catch {
      this.logger.warn({ payload: payload.slice(0, 200) }, 'unreadable change notification ignored');
      return;
    }
    if (message.v !== 1 || !Array.isArray(message.ch)) return;
    const changes = message.ch.map(fromWire).filter((c): c is ReadModelChange => c !== null);
    if (message.src !== this.instanceId) {
      this.remote.changed(changes);
      const position = message.pos === undefined ? null : parsePosition(message.pos);
      if (position !== null) this.remote.progressed(message.proj, position);
    }
    for (const change of changes) {
      for (const listener of this.listeners) {
        try {
          listener(change);
        } catch (err) {
          this.logger.error({ err }, 'a change-feed listener threw; skipped');
        }
      }
    }
  }
}
