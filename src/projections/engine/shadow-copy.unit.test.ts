/** What a rebuild's fold reads from memory while a flush is in flight (shadow-copy.ts, ShadowRows). */
import { RowChanges, type Row } from './rows';
import { ShadowRows } from './shadow-copy';

const day = (booked: number): Row<'rm_daily_stats'> => ({
  provider_id: 'p1',
  date: '2027-03-02',
  service_id: 's1',
  booked,
  cancelled: 0,
  late_cancelled: 0,
  no_shows: 0,
  completed: 0,
  booked_minutes: 30 * booked,
  revenue: {},
  revenue_bookings: {},
});
const KEY = 'p1\u00002027-03-02\u0000s1';

describe('a shadow copy in memory', () => {
  it('reads the newest change: not written yet, then being written, then as written; what nothing changed is not there', () => {
    const rows = new ShadowRows(undefined, true, 100);
    const changed = (row: Row<'rm_daily_stats'> | null) => {
      const changes = new RowChanges();
      changes.set('rm_daily_stats', KEY, row);
      return changes;
    };
    expect(rows.get('rm_daily_stats', KEY)).toBeNull();
    rows.folded(changed(day(1)));
    rows.startWriting();
    expect(rows.get('rm_daily_stats', KEY)).toEqual(day(1));
    // A later page removes the row while the flush that writes it is in flight: it is gone.
    rows.folded(changed(null));
    expect(rows.get('rm_daily_stats', KEY)).toBeNull();
    rows.written();
    expect(rows.get('rm_daily_stats', KEY)).toBeNull();
    rows.startWriting();
    rows.written();
    expect(rows.get('rm_daily_stats', KEY)).toBeNull();
    rows.folded(changed(day(2)));
    expect(rows.get('rm_daily_stats', KEY)).toEqual(day(2));
  });
});
