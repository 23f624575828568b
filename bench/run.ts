/**
 * `npm run bench [-- <id>... --quick --rounds N]`: runs each benchmark in a process of its own (so
 * one's heap, pools and JIT state never flatter or burden the next), one after another, never in
 * parallel: on a small machine two benchmarks at once would measure each other.
 */
import 'reflect-metadata';
import { fork } from 'node:child_process';
import type { Benchmark, BenchContext } from './lib/benchmark';
import { serverSettings } from './lib/database';
import { machineInfo } from './lib/machine';
import { writeResult } from './lib/report';

/** Loaded on demand, so a run of one benchmark never loads another's dependencies. */
const BENCHMARKS: Record<string, () => Benchmark> = {
  append: () => (require('./append-throughput') as { benchmark: Benchmark }).benchmark,
  booking: () => (require('./booking-handler') as { benchmark: Benchmark }).benchmark,
  http: () => (require('./booking-http') as { benchmark: Benchmark }).benchmark,
  slots: () => (require('./available-slots') as { benchmark: Benchmark }).benchmark,
  live: () => (require('./live-latency') as { benchmark: Benchmark }).benchmark,
  rebuild: () => (require('./projection-rebuild') as { benchmark: Benchmark }).benchmark,
  'stream-length': () => (require('./stream-length') as { benchmark: Benchmark }).benchmark,
};

interface Args {
  ids: string[];
  quick: boolean;
  rounds: number | null;
  child: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { ids: [], quick: false, rounds: null, child: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--quick') args.quick = true;
    else if (a === '--child') args.child = true;
    else if (a === '--rounds') args.rounds = Number(argv[++i]);
    else args.ids.push(a);
  }
  const unknown = args.ids.filter((id) => !(id in BENCHMARKS));
  if (unknown.length > 0) throw new Error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
  if (args.ids.length === 0) args.ids = Object.keys(BENCHMARKS);
  return args;
}

async function runOne(id: string, args: Args): Promise<void> {
  const benchmark = (BENCHMARKS[id] as () => Benchmark)();
  const rounds = args.rounds ?? (args.quick ? 1 : 3);
  const ctx: BenchContext = { quick: args.quick, rounds, log: (m) => process.stderr.write(`[${id}] ${m}\n`) };
  const outcome = await benchmark.run(ctx);
  const file = writeResult({
    id,
    title: benchmark.title,
    command: `npm run bench -- ${id}${args.quick ? ' --quick' : ''}${args.rounds ? ` --rounds ${args.rounds}` : ''}`,
    finishedAt: new Date().toISOString(),
    quick: args.quick,
    rounds,
    machine: machineInfo(),
    postgres: await serverSettings(),
    ...outcome,
  });
  process.stderr.write(`[${id}] done: ${file}\n`);
}

function runInChild(id: string, args: Args): Promise<number> {
  const childArgs = [id, '--child', ...(args.quick ? ['--quick'] : []), ...(args.rounds ? ['--rounds', String(args.rounds)] : [])];
  return new Promise((resolve) => {
    const child = fork(__filename, childArgs, { stdio: 'inherit', execArgv: ['--expose-gc', ...process.execArgv] });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.child) {
    await runOne(args.ids[0] as string, args);
    return 0;
  }
  const failed: string[] = [];
  for (const id of args.ids) {
    if ((await runInChild(id, args)) !== 0) failed.push(id);
  }
  if (failed.length > 0) process.stderr.write(`failed: ${failed.join(', ')}\n`);
  return failed.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
