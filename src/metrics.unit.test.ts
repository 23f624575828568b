import { setImmediate as tick } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import { collectProcessMetrics, createMetrics } from './metrics';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** Whether nothing holds what `make` returns once the caller has let go of it. */
async function collectable(make: () => object): Promise<boolean> {
  const ref = new WeakRef(make());
  await tick(); // a WeakRef keeps its target alive until the current job ends
  gc();
  await tick();
  gc();
  return ref.deref() === undefined;
}

describe('metrics', () => {
  it('an app’s registry is garbage once the app lets go of it: nothing process-wide holds it', async () => {
    expect(await collectable(() => createMetrics().registry)).toBe(true);
    expect(await collectable(() => createMetrics(collectProcessMetrics()).registry)).toBe(true);
  });

  it('serves the process metrics it is given next to its own', async () => {
    const text = await createMetrics(collectProcessMetrics()).registry.metrics();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('slotstream_http_requests_total');
    expect(await createMetrics().registry.metrics()).not.toContain('process_cpu_user_seconds_total');
  });
});
