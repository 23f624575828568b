import fc from 'fast-check';
import { LiveAppointments, type Placed } from './live-appointments';
import { DAY, HOUR, MINUTE, NOW } from './provider-fixtures';

const placed = (id: string, start: number, minutes = 30, bufferBefore = 0, bufferAfter = 0): Placed => ({
  id,
  start,
  end: start + minutes * MINUTE,
  bufferBeforeMinutes: bufferBefore,
  bufferAfterMinutes: bufferAfter,
});
const ids = (list: readonly Placed[]): string[] => list.map((a) => a.id).sort();
/** Whether `a`'s occupied range (with its buffers) meets [from, to). */
const meets = (a: Placed, from: number, to: number): boolean => a.start - a.bufferBeforeMinutes * MINUTE < to && a.end + a.bufferAfterMinutes * MINUTE > from;

describe('LiveAppointments', () => {
  it('given appointments on several days, near finds those around a window and not the far ones', () => {
    const live = LiveAppointments.of([placed('mon', NOW + HOUR), placed('tue', NOW + DAY + HOUR), placed('next-week', NOW + 7 * DAY)]);
    expect(ids(live.near(NOW + DAY, NOW + DAY + 2 * HOUR))).toEqual(['tue']);
    expect(live.size).toBe(3);
  });

  it('given a long appointment the day before, near still finds it: the reach of the longest one widens the search', () => {
    const live = LiveAppointments.of([placed('overnight', NOW, 26 * 60)]);
    expect(ids(live.near(NOW + DAY + HOUR, NOW + DAY + 2 * HOUR))).toEqual(['overnight']);
  });

  it('when an appointment moves (with the same id), it is filed under its new day only', () => {
    const before = LiveAppointments.empty<Placed>().with(placed('a', NOW + HOUR));
    const moved = before.with(placed('a', NOW + 3 * DAY));
    expect(ids(moved.near(NOW, NOW + 2 * HOUR))).toEqual([]);
    expect(ids(moved.near(NOW + 3 * DAY, NOW + 3 * DAY + HOUR))).toEqual(['a']);
    // Persistent: the earlier value still means what it meant.
    expect(before.get('a')?.start).toBe(NOW + HOUR);
    expect(ids(before.near(NOW, NOW + 2 * HOUR))).toEqual(['a']);
  });

  it('when an appointment leaves, without drops it; leaving one it does not hold changes nothing', () => {
    const live = LiveAppointments.of([placed('a', NOW), placed('b', NOW + HOUR)]);
    const less = live.without('a');
    expect(ids(less.values())).toEqual(['b']);
    expect(ids(less.near(NOW - DAY, NOW + DAY))).toEqual(['b']);
    expect(less.without('nobody')).toBe(less);
  });

  it('holds exactly what was put in and finds every appointment whose occupied range meets a window, whatever the history', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('with' as const), id: fc.integer({ min: 0, max: 30 }), day: fc.integer({ min: -3, max: 20 }), minute: fc.integer({ min: 0, max: 1439 }), minutes: fc.integer({ min: 5, max: 3000 }), before: fc.integer({ min: 0, max: 120 }), after: fc.integer({ min: 0, max: 120 }) }),
      fc.record({ kind: fc.constant('without' as const), id: fc.integer({ min: 0, max: 30 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), fc.array(fc.record({ at: fc.integer({ min: -4 * 1440, max: 22 * 1440 }), minutes: fc.integer({ min: 1, max: 4000 }) }), { maxLength: 10 }), (ops, windows) => {
        let live = LiveAppointments.empty<Placed>();
        const model = new Map<string, Placed>();
        for (const o of ops) {
          const id = `appt-${o.id}`;
          if (o.kind === 'with') {
            const a = placed(id, NOW + o.day * DAY + o.minute * MINUTE, o.minutes, o.before, o.after);
            live = live.with(a);
            model.set(id, a);
          } else {
            live = live.without(id);
            model.delete(id);
          }
        }
        expect(ids(live.values())).toEqual([...model.keys()].sort());
        expect(live.size).toBe(model.size);
        for (const { at, minutes } of windows) {
          const from = NOW + at * MINUTE;
          const to = from + minutes * MINUTE;
          const found = new Set(live.near(from, to).map((a) => a.id));
          for (const a of model.values()) if (meets(a, from, to)) expect(found.has(a.id)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });
});
