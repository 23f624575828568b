import fc from 'fast-check';
import { PersistentMap } from './persistent-map';

describe('PersistentMap', () => {
  it('set and delete return new versions and leave the old ones as they were', () => {
    const v0 = PersistentMap.empty<string, number>();
    const v1 = v0.set('a', 1);
    const v2 = v1.set('b', 2).set('a', 10);
    const v3 = v2.delete('a');
    expect(v0.entries()).toEqual([]);
    expect(v1.entries()).toEqual([['a', 1]]);
    expect(v3.entries()).toEqual([['b', 2]]);
    expect(v2.get('a')).toBe(10);
    expect(v1.get('a')).toBe(1);
    expect(v3.has('a')).toBe(false);
    expect([v0.size, v1.size, v2.size, v3.size]).toEqual([0, 1, 2, 1]);
    expect(v2.keys().sort()).toEqual(['a', 'b']);
  });

  it('branches from one version stay independent', () => {
    const base = PersistentMap.empty<string, string>().set('k', 'base');
    const left = base.set('k', 'left');
    const right = base.set('k', 'right').set('r', 'only right');
    expect([base.get('k'), left.get('k'), right.get('k'), left.get('r'), right.get('r')]).toEqual([
      'base',
      'left',
      'right',
      undefined,
      'only right',
    ]);
  });

  it('behaves like an immutable map under any mix of versions and operations', () => {
    type Op = { kind: 'set'; from: number; key: number; value: number } | { kind: 'delete'; from: number; key: number } | { kind: 'read'; from: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), from: fc.nat(), key: fc.nat(6), value: fc.integer() }),
      fc.record({ kind: fc.constant('delete' as const), from: fc.nat(), key: fc.nat(6) }),
      fc.record({ kind: fc.constant('read' as const), from: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const versions = [PersistentMap.empty<number, number>()];
        const models = [new Map<number, number>()];
        const check = (i: number): void => {
          const sorted = (e: [number, number][]): [number, number][] => e.sort((a, b) => a[0] - b[0]);
          expect(sorted(versions[i]?.entries() ?? [])).toEqual(sorted([...(models[i] ?? [])]));
        };
        for (const o of ops) {
          const i = o.from % versions.length;
          const version = versions[i];
          const model = models[i];
          if (version === undefined || model === undefined) continue;
          if (o.kind === 'read') {
            check(i);
            continue;
          }
          const nextModel = new Map(model);
          if (o.kind === 'set') nextModel.set(o.key, o.value);
          else nextModel.delete(o.key);
          versions.push(o.kind === 'set' ? version.set(o.key, o.value) : version.delete(o.key));
          models.push(nextModel);
        }
        for (let i = versions.length - 1; i >= 0; i--) check(i);
        for (let i = 0; i < versions.length; i++) check(i);
      }),
      { numRuns: 300 },
    );
  });

  it('is O(1) per update in linear use, and an old version far back is still readable', () => {
    let map = PersistentMap.empty<number, number>();
    const first = map.set(-1, -1);
    map = first;
    const started = performance.now();
    for (let i = 0; i < 200_000; i++) map = map.set(i % 50_000, i);
    expect(performance.now() - started).toBeLessThan(1500);
    expect(map.size).toBe(50_001);
    expect(first.entries()).toEqual([[-1, -1]]); // 200,000 diffs back: iterative reroot, no stack overflow
    expect(map.get(49_999)).toBe(199_999);
  });
});
