import { describe, expect, it } from 'vitest';
import type { DatabaseFingerprint } from '../../../lib/core/fingerprint/types.js';
import type { ReportStore } from '../../../lib/core/ports.js';
import { REPORT_VERSION, reportKey, type RestoreVerifyReport } from '../../../lib/core/report/report.js';
import type {
  RestoreVerifyDeps,
  RunState,
  VerifyRequest,
} from '../../../lib/core/use-cases/restore-verify/types.js';
import { compareWithBaseline } from '../../../lib/core/use-cases/restore-verify/verify.js';
import { POLICIES } from '../../state-machines/restore-verify-fixture.js';

/** Reports kept in memory, listed in key order as S3 lists them. */
function memoryReports(): ReportStore & { stored: Map<string, unknown> } {
  const stored = new Map<string, unknown>();
  return {
    stored,
    put: async (key, body) => void stored.set(key, structuredClone(body)),
    get: async (key) => structuredClone(stored.get(key)),
    list: async (prefix) => [...stored.keys()].filter((key) => key.startsWith(prefix)).sort(),
  };
}

const request: VerifyRequest = {
  mode: 'database',
  source: {
    id: 'app-db',
    kind: 'instance',
    engine: 'postgres',
    arn: 'arn:aws:rds:us-east-1:111111111111:db:app-db',
  },
  policy: 'gold',
  snapshot: 'latest',
  target: { name: 'primary' },
  keepScratch: false,
  scratchId: 'lbs-app-db-1',
  execution: 'arn:aws:states:us-east-1:111111111111:execution:restore-verify:1',
  runId: '20260301T040000Z',
  databases: ['app'],
  deadline: '2026-03-01T06:00:00Z',
  startedAt: '2026-03-01T04:00:00Z',
  finishedAt: '2026-03-01T04:00:00Z',
};

const fingerprint = (format: number | undefined, rows: number, checksum: string): DatabaseFingerprint => ({
  engine: 'postgres',
  rowHash: 'typed',
  ...(format === undefined ? {} : { format }),
  tables: {
    'public.customers': { rows, checksum, columns: '1111111111111111' },
  },
});

/** A passed report of an earlier run whose `app` database had this fingerprint. */
function passedReport(app: DatabaseFingerprint): RestoreVerifyReport {
  return {
    version: REPORT_VERSION,
    verdict: 'passed',
    source: { id: 'app-db', kind: 'instance', engine: 'postgres', policy: 'gold' },
    snapshot: { id: 'lifeboat-app-db-1', origin: 'lifeboat-app-db-1' },
    target: 'eu-west-1',
    pointInTime: null,
    scratch: null,
    execution: 'earlier',
    startedAt: '2026-02-22T04:00:00Z',
    finishedAt: '2026-02-22T04:30:00Z',
    rto: { minutes: 30, objectiveMinutes: 120, met: true },
    rpo: { minutes: 60, objectiveMinutes: 360, met: true },
    timings: [],
    fingerprints: { summary: [], databases: { app } },
    baseline: null,
    comparison: { verdict: 'same', databases: [] },
    errors: [],
  };
}

/** Compares this run's `app` fingerprint with the stored report, as the restore of the same snapshot. */
async function compare(stored: DatabaseFingerprint, candidate: DatabaseFingerprint) {
  const reports = memoryReports();
  await reports.put(reportKey('app-db', '20260222T040000Z'), passedReport(stored));
  await reports.put('fingerprints/app-db/20260301T040000Z/app.json', candidate);
  const state: RunState = {
    request,
    resolved: {
      kind: 'instance',
      id: 'lifeboat-app-db-1',
      origin: 'lifeboat-app-db-1',
      startedAt: '',
      finishedAt: '',
    },
    fingerprints: [
      { database: 'app', key: 'fingerprints/app-db/20260301T040000Z/app.json', tables: 1, rows: 0 },
    ],
  } as RunState;
  const deps = {
    policies: POLICIES,
    reports,
    clock: () => new Date('2026-03-01T04:30:00Z'),
  } as unknown as RestoreVerifyDeps;
  const summary = await compareWithBaseline(state, deps);
  return { summary, stored: reports.stored.get('comparisons/app-db/20260301T040000Z.json') };
}

describe('compareWithBaseline with a baseline of another fingerprint format', () => {
  it('passes on equal row counts, saying in the summary that checksums of both formats were not compared', async () => {
    const { summary, stored } = await compare(
      fingerprint(2, 10, 'aaaaaaaaaaaaaaaa'),
      fingerprint(1, 10, 'bbbbbbbbbbbbbbbb'),
    );
    expect(summary.baseline?.mode).toBe('exact');
    expect(summary.verdict).toBe('passed');
    expect(summary.summary).toContain(
      'warning: baseline fingerprint is postgres typed format 2, this one postgres typed format 1: row counts only compared, not checksums',
    );
    expect(stored).toEqual([
      expect.objectContaining({
        comparison: expect.objectContaining({ warnings: [expect.stringContaining('format 2')] }),
      }),
    ]);
  });

  it('fails on a lost row, naming the table, even though checksums cannot be compared', async () => {
    const { summary } = await compare(
      fingerprint(2, 10, 'aaaaaaaaaaaaaaaa'),
      fingerprint(1, 9, 'bbbbbbbbbbbbbbbb'),
    );
    expect(summary.verdict).toBe('failed');
    expect(summary.differences).toEqual([
      {
        database: 'app',
        table: 'public.customers',
        verdict: 'mismatch',
        reason: 'rows 10 -> 9 (-10.0%), checksum not comparable',
      },
    ]);
  });

  it('holds a report stored before formats were recorded to an exact match, as format 1', async () => {
    const { summary } = await compare(
      fingerprint(undefined, 10, 'aaaaaaaaaaaaaaaa'),
      fingerprint(1, 10, 'bbbbbbbbbbbbbbbb'),
    );
    expect(summary.verdict).toBe('failed');
    expect(summary.differences[0]?.reason).toMatch(/^checksum aaaaaaaaaaaaaaaa -> bbbbbbbbbbbbbbbb/);
    expect(summary.summary).not.toContain('warning');
  });
});
