/**
 * Results land twice: the whole outcome as JSON in bench/results/<id>.json, and its tables in
 * BENCHMARKS.md between `<!-- bench:<id> -->` markers, so the prose around them is never overwritten.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type BenchOutcome, type Table, targetMet } from './benchmark';
import type { MachineInfo } from './machine';

export const BENCH_ROOT = path.resolve(__dirname, '../../../bench');
const RESULTS_DIR = path.join(BENCH_ROOT, 'results');
const REPORT = path.resolve(BENCH_ROOT, '../BENCHMARKS.md');

export interface StoredResult extends BenchOutcome {
  readonly id: string;
  readonly title: string;
  readonly command: string;
  readonly finishedAt: string;
  readonly quick: boolean;
  readonly rounds: number;
  readonly machine: MachineInfo;
  readonly postgres: Record<string, string>;
}

export function writeResult(result: StoredResult): string {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  // Quick runs prove the code works; they never replace a measured result.
  const file = path.join(RESULTS_DIR, result.quick ? `${result.id}.quick.tmp.json` : `${result.id}.json`);
  fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  if (!result.quick) updateReport(result);
  return file;
}

function renderTable(t: Table): string {
  const lines = [`| ${t.columns.join(' | ')} |`, `|${t.columns.map(() => '---').join('|')}|`];
  for (const row of t.rows) lines.push(`| ${row.map(String).join(' | ')} |`);
  return `${t.title ? `**${t.title}**\n\n` : ''}${lines.join('\n')}`;
}

export function renderResult(r: StoredResult): string {
  const parts = r.tables.map(renderTable);
  if (r.targets.length > 0) {
    parts.push(
      renderTable({
        title: 'Targets',
        columns: ['measure', 'measured', 'target', 'met'],
        rows: r.targets.map((t) => [t.label, `${t.measured}${t.unit ?? ''}`, `${t.op} ${t.target}${t.unit ?? ''}`, targetMet(t) ? 'yes' : '**no**']),
      }),
    );
  }
  for (const note of r.notes ?? []) parts.push(`_${note}_`);
  parts.push(`<sub>\`${r.command}\` · ${r.finishedAt} · median of ${r.rounds} round(s) · PostgreSQL ${r.postgres.server_version ?? '?'}, synchronous_commit=${r.postgres.synchronous_commit ?? '?'}</sub>`);
  return parts.join('\n\n');
}

function updateReport(r: StoredResult): void {
  const begin = `<!-- bench:${r.id} -->`;
  const end = `<!-- /bench:${r.id} -->`;
  const block = `${begin}\n${renderResult(r)}\n${end}`;
  const current = fs.existsSync(REPORT) ? fs.readFileSync(REPORT, 'utf8') : '# Benchmarks\n';
  const from = current.indexOf(begin);
  const to = current.indexOf(end);
  const next = from >= 0 && to > from ? `${current.slice(0, from)}${block}${current.slice(to + end.length)}` : `${current.trimEnd()}\n\n## ${r.title}\n\n${block}\n`;
  fs.writeFileSync(REPORT, next);
}
