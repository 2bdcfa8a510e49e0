import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Evidence } from '../../../lib/core/evidence/types.js';
import { runLifeboat } from '../../support/cli.js';
import { offlineEvidenceArgs, writeEvidenceFixture } from '../../support/evidence-fixture.js';

let dir: string;
let files: { policy: string; inventory: string; reports: string };
const offline = () => offlineEvidenceArgs(files);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-evidence-'));
  files = await writeEvidenceFixture(dir);
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('lifeboat evidence offline, from an inventory and a copy of the reports bucket', () => {
  it('writes the same numbers as JSON, Markdown and HTML', async () => {
    const [json, md, html] = await Promise.all(
      (['json', 'md', 'html'] as const).map((format) =>
        runLifeboat([...offline(), '--format', format, '--out', join(dir, `evidence.${format}`)]),
      ),
    );
    expect([json!.code, md!.code, html!.code]).toEqual([0, 0, 0]);
    const evidence = JSON.parse(await readFile(join(dir, 'evidence.json'), 'utf8')) as Evidence;
    const orders = evidence.databases.find((d) => d.database === 'orders')!;
    expect(orders.adherence.percent).toBe(93.3);
    expect(orders.rpo.largestGapMinutes).toBe(2885);
    expect(evidence.sources).toEqual({ snapshots: files.inventory, reports: files.reports });

    const markdown = await readFile(join(dir, 'evidence.md'), 'utf8');
    const page = await readFile(join(dir, 'evidence.html'), 'utf8');
    for (const text of [markdown, page]) {
      expect(text).toContain('93.3%');
      expect(text).toContain('48.1 h');
      expect(text).toContain('lifeboat-ledger-20261128T1800');
    }
    // Self-contained: nothing is fetched, no script runs.
    expect(page).not.toMatch(/<script|<link|src="http|href="http/i);
  });

  it('prints to stdout without --out, for one database with --db', async () => {
    const run = await runLifeboat([...offline(), '--format', 'json', '--db', 'ledger']);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as Evidence).databases.map((d) => d.database)).toEqual(['ledger']);
  });

  it.each([
    [['--format', 'pdf'], /--format "pdf": must be html, md or json/],
    [['--since', 'last month'], /--since "last month": must be like 90d/],
    [['--since', '2026-12-01T00:00:00Z'], /is not before the end of the period/],
    [['--db', 'no such/db'], /--db "no such\/db" is not an RDS instance or cluster identifier/],
  ])('refuses %j in one line, exit 2, writing nothing', async (extra, message) => {
    const out = join(dir, 'refused.html');
    const run = await runLifeboat([...offline(), ...extra, '--out', out]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
    await expect(readFile(out)).rejects.toThrow(/ENOENT/);
  });

  it('wants --inventory and --reports together, and a reports/ folder in the directory', async () => {
    const alone = await runLifeboat(['evidence', '--policy', files.policy, '--inventory', files.inventory]);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/--inventory and --reports go together/);
    const wrong = await runLifeboat([...offline().slice(0, 5), '--reports', dir + '/nowhere']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/not a directory/);
    const empty = await runLifeboat([...offline().slice(0, 5), '--reports', join(dir, 'bucket', 'reports')]);
    expect(empty.stderr).toMatch(/has no reports\/ folder/);
  });

  it('wants a reports bucket when it reads the live account', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.LIFEBOAT_REPORTS_BUCKET;
    const run = await runLifeboat(['evidence', '--policy', files.policy, '--region', 'us-east-1'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/pass --reports-bucket/);
  });
});
