/** Coalesces what one batch changed into the few messages the change feed publishes (change.ts). */
import type { AppointmentChange, ReadModelChange } from './change';

export class ChangeCollector {
  private readonly ranges = new Map<string, Array<{ from: number; to: number }> | 'all'>();
  private readonly appointments = new Map<string, AppointmentChange>();

  /** Slots of `providerId` may differ in `[from, to)` (epoch ms); no range = anywhere. */
  availability(providerId: string, range?: { readonly from: number; readonly to: number }): void {
    const current = this.ranges.get(providerId);
    if (current === 'all') return;
    if (range === undefined) {
      this.ranges.set(providerId, 'all');
      return;
    }
    if (!(range.to > range.from)) return;
    if (current === undefined) this.ranges.set(providerId, [{ ...range }]);
    else current.push({ ...range });
  }

  appointment(change: Omit<AppointmentChange, 'kind'>): void {
    this.appointments.set(change.appointmentId, { kind: 'appointment', ...change });
  }

  /** Add what `other` collected, as if it had been told here, after what this one was told. */
  merge(other: ChangeCollector): void {
    for (const [providerId, ranges] of other.ranges) {
      if (ranges === 'all') this.availability(providerId);
      else for (const range of ranges) this.availability(providerId, range);
    }
    for (const change of other.appointments.values()) this.appointment(change);
  }

  /** Providers whose cached availability must be dropped. */
  providers(): string[] {
    return [...this.ranges.keys()];
  }

  /** Merged ranges per provider, then appointment changes. */
  drain(): ReadModelChange[] {
    const out: ReadModelChange[] = [];
    for (const [providerId, ranges] of this.ranges) {
      if (ranges === 'all') {
        out.push({ kind: 'availability', providerId, from: null, to: null });
        continue;
      }
      ranges.sort((a, b) => a.from - b.from);
      let open: { from: number; to: number } | null = null;
      for (const r of ranges) {
        if (open !== null && r.from <= open.to) {
          open.to = Math.max(open.to, r.to);
          continue;
        }
        if (open !== null) out.push({ kind: 'availability', providerId, from: new Date(open.from), to: new Date(open.to) });
        open = { ...r };
      }
      if (open !== null) out.push({ kind: 'availability', providerId, from: new Date(open.from), to: new Date(open.to) });
    }
    out.push(...this.appointments.values());
    return out;
  }
}
