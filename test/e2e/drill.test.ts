import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../../bin/lifeboat.mjs', import.meta.url));
const FIVE_MINUTES = 300_000;

interface StoredReport {
  verdict: string;
  baseline: { mode: string } | null;
  target: string;
  scratch: unknown;
  fingerprints: {
    databases: Record<
      string,
      { tables: Record<string, { rows: number; checksum: string; columns: string }> }
    >;
  };
}

interface Drill {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `lifeboat drill` as a user would; `interrupt` sends SIGINT once stdout shows that text. */
function drill(args: string[], interrupt?: string): Promise<Drill> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'drill', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (interrupt && !interrupted && stdout.includes(interrupt)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

function workingFolder(output: string): string {
  const folder = /Working folder: (\S+)/.exec(output)?.[1];
  if (!folder) throw new Error(`the drill did not say where it works:\n${output}`);
  return folder;
}

/** Command lines of every process that mentions the folder: a server left running would. */
function processesUsing(folder: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (command.includes(folder)) found.push(`${pid}: ${command}`);
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

function expectNothingLeft(folder: string): void {
  expect(processesUsing(folder)).toEqual([]);
  expect(existsSync(folder)).toBe(false);
}

describe('lifeboat drill', () => {
  const reports = mkdtempSync(join(tmpdir(), 'lifeboat-drill-reports-'));
  afterAll(() => rmSync(reports, { recursive: true, force: true }));

  it(
    'runs the whole cycle, verifies the DR copy exactly and leaves nothing running',
    async () => {
      const result = await drill(['--reports', reports]);

      expect(result.stderr).not.toContain('lifeboat:');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/Verdict:\s+VERIFIED/);
      expect(result.stdout).toMatch(
        /Tables verified:\s+4 of 4 tables match the snapshot-time source exactly, in the primary and the DR restore/,
      );
      // The primary restore is held to the source's own fingerprint, not to another restore.
      expect(result.stdout).toMatch(
        /at the primary against the snapshot-time source: passed \(exact match with reports\/shop\/\w+--source\.json\)/,
      );
      const rows = Number(/Rows:\s+([\d,]+) rows/.exec(result.stdout)?.[1]?.replaceAll(',', ''));
      expect(rows).toBeGreaterThanOrEqual(125_000);
      expect(result.stdout).toMatch(/RPO \(measured\):\s+[\d.]+ s between the snapshot and the restore/);
      expect(result.stdout).toMatch(/RTO \(measured\):\s+[\d.]+ s from restore start to verified data/);
      // Prune deleted what the demo retention does not keep, in both accounts.
      expect(result.stdout).toMatch(/Prune by the demo policy.*: [1-9]\d* deleted, 0 failed/);

      const reportPath = /Report:\s+(\S+\.json)/.exec(result.stdout)?.[1];
      expect(reportPath).toBeDefined();
      const report = JSON.parse(readFileSync(reportPath!, 'utf8')) as StoredReport;
      expect(report).toMatchObject({
        verdict: 'passed',
        baseline: { mode: 'exact' },
        target: '222222222222/eu-west-1',
      });
      // The DR site's own machine, with its own reports folder, matched the primary's replicated report.
      expect(reportPath).toContain('/dr-site/reports/');
      expect(result.stdout).toMatch(
        /DR site 222222222222\/eu-west-1: restore-verify the encrypted DR copy .* against the primary's replicated report: passed \(exact match with reports\/shop\/\d{8}T\d{6}Z-[0-9a-f]{6}\.json\)/,
      );
      const baselinePath = /Baseline:\s+(\S+-source\.json)/.exec(result.stdout)?.[1];
      expect(baselinePath).toBeDefined();
      const source = JSON.parse(readFileSync(baselinePath!, 'utf8')) as StoredReport;
      expect(source).toMatchObject({ verdict: 'passed', target: 'source', scratch: null });
      // The DR copy, restored and fingerprinted, holds what the live source held at the snapshot.
      const sums = (stored: StoredReport) =>
        Object.fromEntries(
          Object.entries(stored.fingerprints.databases.shop!.tables).map(([name, t]) => [
            name,
            [t.rows, t.checksum, t.columns],
          ]),
        );
      expect(Object.keys(sums(source))).toHaveLength(4);
      expect(sums(report)).toEqual(sums(source));

      // The regional outage: lifeboat failover's use case restores the verified DR copy there.
      expect(result.stdout).toMatch(
        /Regional outage: us-east-1 is lost; fail over shop to the DR account 222222222222\/eu-west-1 .*: shop-failover-\d{8}t\d{4} available/,
      );
      expect(result.stdout).toMatch(/restoring verified DR copy lifeboat-shop-\S+-eu-west-1-222222222222/);
      expect(result.stdout).toMatch(
        /Failover RTO \(measured\): [\d.]+ s from the command's start to available; objective 30 min \(met\)/,
      );
      expect(result.stdout).toMatch(
        /Failover RPO \(measured\): [\d.]+ s of writes not in the DR copy; objective 360 min \(met\)/,
      );
      const recordKey = /Failover record: (\S+\.json)/.exec(result.stdout)?.[1];
      const record = JSON.parse(readFileSync(join(dirname(reportPath!), '..', '..', recordKey!), 'utf8')) as {
        state: string;
        measured: { rtoMinutes: number; rpoMinutes: number };
        source: { id: string; verified: boolean };
      };
      expect(record).toMatchObject({ state: 'available', source: { verified: true } });
      expect(record.measured.rtoMinutes).toBeGreaterThan(0);
      expect(record.measured.rpoMinutes).toBeGreaterThan(0);

      expectNothingLeft(workingFolder(result.stdout));
    },
    FIVE_MINUTES,
  );

  it(
    'with --corrupt names the damaged tables and keys and exits non-zero',
    async () => {
      const result = await drill(['--corrupt', '--reports', reports]);

      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/Verdict:\s+VERIFICATION FAILED/);
      const damaged =
        /--corrupt changed public\.orders key (\d+) and deleted public\.order_items key (\d+)/.exec(
          result.stdout,
        );
      expect(damaged).not.toBeNull();
      const [, changedKey, deletedKey] = damaged!;
      expect(result.stdout).toMatch(/public\.orders: mismatch: checksum \w+ -> \w+/);
      expect(result.stdout).toMatch(/public\.order_items: mismatch: .*rows (\d+) -> \d+/);
      // The verification's own bisect finds exactly the rows the drill damaged.
      expect(result.stdout).toContain(`public.orders: differing keys ${changedKey} (bisected`);
      expect(result.stdout).toContain(`public.order_items: differing keys ${deletedKey} (bisected`);
      expect(result.stdout).toMatch(
        /Tables verified:\s+2 of 4 tables match the snapshot-time source exactly/,
      );

      expectNothingLeft(workingFolder(result.stdout));
    },
    FIVE_MINUTES,
  );

  it(
    'stops the server and removes its folder on Ctrl-C',
    async () => {
      const result = await drill(['--reports', reports], 'Writer started');

      expect(result.code).toBe(130);
      expect(result.stdout).toContain('SIGINT: stopping the writer and the server');
      expectNothingLeft(workingFolder(result.stdout));
    },
    FIVE_MINUTES,
  );
});
