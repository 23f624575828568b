/**
 * `npm run seed:demo [-- --url http://localhost:4000/graphql]`: the demo through the public API of a
 * running server — one provider per time-zone family with services and hours, two customers — and
 * ready-to-run examples with their ids and dates relative to today. Safe to run again: what exists
 * is reused (scripts/demo-seeder.ts).
 */
import { ServerUnreachable, seedDemo } from './demo-seeder';

const url = (() => {
  const i = process.argv.indexOf('--url');
  return (i >= 0 ? process.argv[i + 1] : undefined) ?? process.env.SEED_URL ?? `http://localhost:${process.env.PORT ?? '4000'}/graphql`;
})();

seedDemo(url, (text) => process.stdout.write(text)).then(
  () => process.exit(0),
  (err: unknown) => {
    const hint = err instanceof ServerUnreachable ? '\nStart the server first (npm start), or pass --url.' : '';
    process.stderr.write(`seed:demo failed: ${err instanceof Error ? err.message : String(err)}${hint}\n`);
    process.exit(1);
  },
);
