/**
 * One slot list per watched window, however many subscribers watch it. Booking pages are watched by
 * many people at once, mostly on the same few windows: a topic per (provider, service, window) listens
 * to the change feed once, counts the changes that can alter its window, and computes the slot list
 * once per change — every subscriber of the topic gets the very same update object, which also lets
 * the WebSocket layer execute the subscription's selection once for all of them (see shared-execution).
 */
import type { AvailableSlot } from '../../projections/availability/availability';
import { availabilityChangeAffects } from '../../projections/changes/change';
import type { ReadSide } from '../../projections/read-side';
import { markShareable } from './shared-execution';

export interface AvailabilityUpdate {
  readonly providerId: string;
  readonly serviceId: string;
  readonly slots: readonly AvailableSlot[];
}

export interface WatchedWindow {
  readonly providerId: string;
  readonly serviceId: string;
  readonly from: Date;
  readonly to: Date;
}

export interface TopicSubscription {
  /** The slot list as of the latest change seen (computed at most once per change, for everyone). */
  latest(): Promise<AvailabilityUpdate>;
  close(): void;
}

class Topic {
  /** Bumped by every change that can alter the window; the computed list belongs to one version. */
  private version = 0;
  private computed: { readonly version: number; readonly update: Promise<AvailabilityUpdate> } | null = null;
  readonly listeners = new Set<() => void>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly window: WatchedWindow,
    private readonly readSide: ReadSide,
    private readonly clock: () => number,
  ) {
    this.unsubscribe = readSide.changes.subscribe((change) => {
      if (!availabilityChangeAffects(change, window)) return;
      this.version++;
      for (const listener of this.listeners) listener();
    });
  }

  latest(): Promise<AvailabilityUpdate> {
    if (this.computed?.version === this.version) return this.computed.update;
    const version = this.version;
    const { providerId, serviceId, from, to } = this.window;
    const update = this.readSide.availability
      .availableSlots({ providerId, serviceId, from, to, now: new Date(this.clock()) })
      .then((slots) => markShareable({ providerId, serviceId, slots }));
    this.computed = { version, update };
    // A failed computation is not kept: the next subscriber to ask tries again.
    update.catch(() => {
      if (this.computed?.update === update) this.computed = null;
    });
    return update;
  }

  close(): void {
    this.unsubscribe();
  }
}

export class AvailabilityTopics {
  private readonly topics = new Map<string, Topic>();

  constructor(
    private readonly readSide: ReadSide,
    private readonly clock: () => number,
  ) {}

  /**
   * Watch a window; `changed` is called (synchronously, from the change feed) whenever the slot list
   * may have changed. Listen first, then ask `latest()`: a change committed meanwhile is not missed.
   */
  watch(window: WatchedWindow, changed: () => void): TopicSubscription {
    const key = JSON.stringify([window.providerId, window.serviceId, window.from.getTime(), window.to.getTime()]);
    let topic = this.topics.get(key);
    if (!topic) {
      topic = new Topic(window, this.readSide, this.clock);
      this.topics.set(key, topic);
    }
    const current = topic;
    current.listeners.add(changed);
    let open = true;
    return {
      latest: () => current.latest(),
      close: () => {
        if (!open) return;
        open = false;
        current.listeners.delete(changed);
        if (current.listeners.size === 0 && this.topics.get(key) === current) {
          this.topics.delete(key);
          current.close();
        }
      },
    };
  }

  /** Windows watched right now (for metrics and tests). */
  get size(): number {
    return this.topics.size;
  }
}

const perReadSide = new WeakMap<ReadSide, AvailabilityTopics>();

/** The topics of one read side (one app): created on first use. */
export function availabilityTopicsOf(readSide: ReadSide, clock: () => number): AvailabilityTopics {
  let topics = perReadSide.get(readSide);
  if (!topics) {
    topics = new AvailabilityTopics(readSide, clock);
    perReadSide.set(readSide, topics);
  }
  return topics;
}
