/**
 * The live (PENDING/CONFIRMED) appointments of a provider, as a persistent value: a lookup structure
 * for the booking rule, not a fact of the domain. Besides the appointments by id it files them by the
 * UTC day of their start, so a booking looks only at the few days around its time (`near`), however
 * many live appointments a provider keeps (past ones nobody completed stay live for ever).
 *
 * Like the maps it is built from (persistent-map.ts), every version stays valid: `with` and `without`
 * return a new value and leave this one meaning what it meant.
 */
import { PersistentMap } from './persistent-map';

/** What the index needs of an appointment: its id and the time it occupies. Instants in epoch ms. */
export interface Placed {
  readonly id: string;
  readonly start: number;
  readonly end: number;
  readonly bufferBeforeMinutes: number;
  readonly bufferAfterMinutes: number;
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const dayOf = (instant: number): number => Math.floor(instant / DAY_MS);

/**
 * How far any live appointment ever occupied time before its start and after it (an upper bound: it
 * only grows while a value lives, which only widens `near`).
 */
interface Reach {
  readonly beforeMs: number;
  readonly afterMs: number;
}

const NO_REACH: Reach = { beforeMs: 0, afterMs: 0 };

export class LiveAppointments<A extends Placed> {

  private constructor(
    private readonly byId: PersistentMap<string, A>,
    private readonly byDay: PersistentMap<number, PersistentMap<string, A>>,
    private readonly reach: Reach,
  ) {}

  static empty<A extends Placed>(): LiveAppointments<A> {
    return new LiveAppointments<A>(PersistentMap.empty(), PersistentMap.empty(), NO_REACH);
  }

  /** The value holding `appointments` (live ones, each id once), built in one go. */
  static of<A extends Placed>(appointments: readonly A[]): LiveAppointments<A> {
    const days = new Map<number, Array<[string, A]>>();
    let reach = NO_REACH;
    for (const a of appointments) {
      const day = dayOf(a.start);
      const bucket = days.get(day);
      if (bucket === undefined) days.set(day, [[a.id, a]]);
      else bucket.push([a.id, a]);
      reach = reachWith(reach, a);
    }
    const byDay = PersistentMap.of([...days].map(([day, bucket]): [number, PersistentMap<string, A>] => [day, PersistentMap.of(bucket)]));
    return new LiveAppointments(PersistentMap.of(appointments.map((a): [string, A] => [a.id, a])), byDay, reach);
  }

  get size(): number {
    return this.byId.size;
  }

  get(id: string): A | undefined {
    return this.byId.get(id);
  }

  /** A snapshot array, in no particular order. */
  values(): A[] {
    return this.byId.values();
  }

  /** This value with `appointment` in it (added, or replacing the version with its id). */
  with(appointment: A): LiveAppointments<A> {
    const filed = this.unfiled(appointment.id);
    const day = dayOf(appointment.start);
    const bucket = (filed.get(day) ?? PersistentMap.empty<string, A>()).set(appointment.id, appointment);
    return new LiveAppointments(this.byId.set(appointment.id, appointment), filed.set(day, bucket), reachWith(this.reach, appointment));
  }

  /** This value without the appointment `id` (the same value when it holds none). */
  without(id: string): LiveAppointments<A> {
    if (!this.byId.has(id)) return this;
    return new LiveAppointments(this.byId.delete(id), this.unfiled(id), this.reach);
  }

  /**
   * Every appointment whose occupied range (appointment plus its buffers) may meet [from, to),
   * perhaps with a few that do not: the ones starting within the days the reach allows around it.
   */
  near(from: number, to: number): A[] {
    const first = dayOf(from - this.reach.afterMs);
    const last = dayOf(to + this.reach.beforeMs);
    // A window wider than the days filed (or an unreadable bound): every one is a candidate.
    if (!(last - first < this.byDay.size + 2)) return this.byId.values();
    const out: A[] = [];
    for (let day = first; day <= last; day++) {
      const bucket = this.byDay.get(day);
      if (bucket !== undefined) for (const a of bucket.values()) out.push(a);
    }
    return out;
  }

  /** The day index without `id`'s entry. */
  private unfiled(id: string): PersistentMap<number, PersistentMap<string, A>> {
    const before = this.byId.get(id);
    if (before === undefined) return this.byDay;
    const day = dayOf(before.start);
    const bucket = this.byDay.get(day)?.delete(id);
    return bucket === undefined || bucket.size === 0 ? this.byDay.delete(day) : this.byDay.set(day, bucket);
  }
}

function reachWith(reach: Reach, a: Placed): Reach {
  const beforeMs = Math.max(reach.beforeMs, a.bufferBeforeMinutes * MINUTE_MS);
  const afterMs = Math.max(reach.afterMs, a.end - a.start + a.bufferAfterMinutes * MINUTE_MS);
  // NaN (an unreadable instant) never reaches anything: keep the bound as it was.
  return beforeMs === reach.beforeMs && afterMs === reach.afterMs ? reach : { beforeMs: beforeMs || reach.beforeMs, afterMs: afterMs || reach.afterMs };
}
