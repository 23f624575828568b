import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config';
import { providerStreamName } from '../events/provider-events';
import { history } from './history-fixtures';
import { type Fixture, openFixture } from './read-side-fixtures';
import { type CliIo, runAuditExport, runAuditVerify, runProjectionsRebuild } from './cli';

function captureIo(): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out: (text: string) => {
      io.stdout += text;
    },
    err: (text: string) => {
      io.stderr += text;
    },
  };
  return io;
}

describe('read-side scripts (PostgreSQL, in-process)', () => {
  let f: Fixture;
  const h = history();
  beforeAll(async () => {
    f = await openFixture('postgres');
    await f.append(h.providerId, [...h.open(), h.booked('a')]);
    await f.settle();
  });
  afterAll(async () => {
    await f.close();
  });
  const config = () => loadConfig({ DATABASE_URL: f.database.url, LOG_LEVEL: 'silent' });

  it('audit:export writes the stream as JSON Lines, to stdout or to a file', async () => {
    const io = captureIo();
    expect(await runAuditExport(['--provider', h.providerId], config(), io)).toBe(0);
    const lines = io.stdout.trim().split('\n').map((l) => JSON.parse(l) as { revision: number; type: string });
    expect(lines.map((l) => [l.revision, l.type])).toEqual([[0, 'ProviderRegistered'], [1, 'ServiceOffered'], [2, 'WeeklyHoursSet'], [3, 'AppointmentBooked']]);

    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'slotstream-')), 'export.jsonl');
    const toFile = captureIo();
    expect(await runAuditExport(['--provider', h.providerId, '--out', out], config(), toFile)).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toBe(io.stdout);
    expect(toFile.stderr).toContain('exported 4 events');

    const usage = captureIo();
    expect(await runAuditExport([], config(), usage)).toBe(2);
    expect(usage.stderr).toContain('--provider is required');
  });

  it('audit:verify prints the report and exits 1 once the stream was tampered with', async () => {
    const ok = captureIo();
    expect(await runAuditVerify(['--provider', h.providerId], config(), ok)).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ providerId: h.providerId, valid: true, eventsChecked: 4, firstBrokenRevision: null });

    const unknown = captureIo();
    expect(await runAuditVerify(['--provider', 'nobody'], config(), unknown)).toBe(1);
    expect(unknown.stderr).toContain('NOT_FOUND');

    await f.database.pool.query(`UPDATE es_events SET data = jsonb_set(data, '{name}', '"Mallory"') WHERE stream_name = $1 AND stream_revision = 1`, [
      providerStreamName(h.providerId),
    ]);
    const broken = captureIo();
    expect(await runAuditVerify(['--provider', h.providerId], config(), broken)).toBe(1);
    expect(JSON.parse(broken.stdout)).toMatchObject({ valid: false, firstBrokenRevision: 1 });
  });

  it('projections:rebuild rebuilds one projection or all', async () => {
    const one = captureIo();
    expect(await runProjectionsRebuild(['analytics'], config(), one)).toBe(0);
    expect(one.stdout).toMatch(/^rebuilt analytics: \d+ events in \d+ ms, checkpoint \d+\/\d+\n$/);
    const all = captureIo();
    expect(await runProjectionsRebuild([], config(), all)).toBe(0);
    expect(all.stdout.split('\n').filter(Boolean).map((l) => l.split(':')[0])).toEqual(['rebuilt schedule', 'rebuilt analytics']);
    const bad = captureIo();
    expect(await runProjectionsRebuild(['nonsense'], config(), bad)).toBe(2);
    expect(bad.stderr).toContain('unknown projection nonsense');
    expect(await f.readSide.queries.appointmentById(h.id('a'))).toMatchObject({ status: 'CONFIRMED' });
  });
});
