import { once } from 'node:events';
import type { CliIo } from '../src/projections/cli';

/** stdout/stderr for the read side's scripts; stdout honours backpressure (exports can be large). */
export const processIo: CliIo = {
  out: async (text) => {
    if (!process.stdout.write(text)) await once(process.stdout, 'drain');
  },
  err: (text) => {
    process.stderr.write(text);
  },
};

/** Run a script's main and exit with its code; configuration errors print their message. */
export function runScript(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
