import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runbook } from '../../../lib/core/use-cases/write-runbooks.js';
import { runLifeboat } from '../../support/cli.js';

// Fixed inputs, no AWS: a policy, an inventory (describe-db-snapshots, describe-db-cluster-snapshots
// and describe-db-instance-automated-backups output of both regions and accounts) and a local copy
// of the reports bucket with two restore-verify reports and one failover record.
const FIXTURE = 'test/fixtures/runbook';
const NOW = '2026-11-24T12:00:00Z';
const args = (out: string, ...more: string[]) => [
  'runbook',
  '--policy-file',
  `${FIXTURE}/lifeboat.yml`,
  '--inventory',
  `${FIXTURE}/inventory.json`,
  '--reports-dir',
  `${FIXTURE}/reports`,
  '--now',
  NOW,
  '--out',
  out,
  ...more,
];

let dir: string;
let markdown: Record<string, string>;
let json: Record<string, Runbook>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-runbook-'));
  const md = await runLifeboat(args(join(dir, 'md')));
  const js = await runLifeboat(args(join(dir, 'json'), '--format', 'json'));
  expect([md.code, md.stderr, js.code, js.stderr]).toEqual([0, '', 0, '']);
  const read = async (folder: string) =>
    Object.fromEntries(
      await Promise.all(
        (await readdir(join(dir, folder))).map(async (name) => [
          name,
          await readFile(join(dir, folder, name), 'utf8'),
        ]),
      ),
    ) as Record<string, string>;
  markdown = await read('md');
  json = Object.fromEntries(
    Object.entries(await read('json')).map(([name, text]) => [name, JSON.parse(text)]),
  );
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('lifeboat runbook on fixed inputs', () => {
  it('writes one runbook per protected database and an index linking them', () => {
    expect(Object.keys(markdown).sort()).toEqual(['README.md', 'ledger.md', 'orders-db.md']);
    expect(Object.keys(json).sort()).toEqual(['index.json', 'ledger.json', 'orders-db.json']);
    expect(markdown['README.md']).toContain('| [orders-db](orders-db.md) | gold | 360 / 120 min | 6 h |');
    expect(markdown['README.md']).toContain('[ledger](ledger.md) | silver | 1440 / 240 min');
  });

  it('states the objectives beside what was measured', () => {
    const { facts } = json['orders-db.json']!;
    expect(facts.objectives).toEqual({ rpoMinutes: 360, rtoMinutes: 120 });
    // 06:04:03 to 12:00: 356 minutes.
    expect(facts.newestSnapshot).toEqual({
      id: 'lifeboat-orders-db-20261124t0600',
      createdAt: '2026-11-24T06:04:03.000Z',
      ageMinutes: 356,
    });
    const [region, account] = facts.targets;
    expect(region).toMatchObject({
      label: 'eu-west-1',
      newestCopy: { id: 'lifeboat-orders-db-20261124t0600-eu-west-1', ageMinutes: 356 },
      newestVerifiedCopy: {
        id: 'lifeboat-orders-db-20261124t0000-eu-west-1',
        verifiedAt: '2026-11-24T03:10:00.000Z',
      },
      pointInTime: { latestRestorableTime: '2026-11-24T11:50:00.000Z', lagMinutes: 10 },
    });
    expect(account).toMatchObject({
      label: 'eu-west-1/222222222222',
      tier: 'dr-account',
      newestCopy: { id: 'lifeboat-orders-db-20261124t0000-eu-west-1-222222222222', ageMinutes: 716 },
      newestVerifiedCopy: null,
      pointInTime: null,
    });
    expect(facts.lastRestore).toMatchObject({
      verdict: 'passed',
      at: '2026-11-24T03:10:00.000Z',
      target: 'eu-west-1',
      rtoMinutes: 23.5,
    });
    expect(facts.lastFailover).toMatchObject({
      state: 'available',
      target: 'eu-west-1',
      rtoMinutes: 41,
      rpoMinutes: 6,
    });

    const md = markdown['orders-db.md']!;
    expect(md).toMatch(
      /\| RPO at eu-west-1\/222222222222 \| 360 min \| newest DR copy: .*12 h old \(\*\*PAST OBJECTIVE\*\*\), not verified \|/,
    );
    expect(md).toContain('PITR lag 10 min (latest restorable 2026-11-24T11:50:00.000Z)');
    expect(md).toContain(
      'last verified restore: PASSED at 2026-11-24T03:10:00.000Z in eu-west-1, RTO 23.5 min (within objective)',
    );
    expect(md).toContain('last failover (drill): available at 2026-11-20T10:00:00.000Z to eu-west-1');
  });

  it('names the schedule, retention, keys and where the reports are', () => {
    const md = markdown['orders-db.md']!;
    expect(md).toContain(
      'Schedule: `cron(0 */6 * * ? *)` (UTC); retention daily 7, weekly 4, monthly 12, yearly 0.',
    );
    expect(md).toContain(
      'Encryption at home: `arn:aws:kms:us-east-1:111111111111:key/66666666-7777-8888-9999-000000000000`',
    );
    expect(md).toContain('key `arn:aws:kms:eu-west-1:222222222222:key/88888888-9999-0000-1111-222222222222`');
    expect(md).toContain('reports/orders-db/ (restore-verify), failovers/orders-db/ (failovers)');
  });

  it('fills the procedures with the concrete identifiers, as Lifeboat and aws commands', () => {
    const md = markdown['orders-db.md']!;
    const ids = (id: string) => json['orders-db.json']!.procedures.find((p) => p.id === id)!;
    // Regional outage: the replicated backups first, the verified copy as the fallback.
    const outage = ids('regional-outage').steps;
    expect(outage[0]!.lifeboat).toEqual(['lifeboat failover --db orders-db --to eu-west-1 --dry-run']);
    // The DR site's topic is found from its bucket's tag: no ARN to fill in.
    expect(outage[1]!.lifeboat).toEqual([
      'lifeboat failover --db orders-db --to eu-west-1 --wait --reports-bucket <TEAM: DR site ReportsBucketName output>',
    ]);
    expect(outage[1]!.aws![0]).toContain(
      'restore-db-instance-to-point-in-time --source-db-instance-automated-backups-arn arn:aws:rds:eu-west-1:111111111111:auto-backup:ab-orders-db-replica --use-latest-restorable-time',
    );
    expect(outage[1]!.aws![0]).toContain(
      '--db-instance-class db.r6g.large --db-subnet-group-name prod-dr --vpc-security-group-ids sg-0123456789abcdef0',
    );
    expect(outage[1]!.aws![0]).toContain('--multi-az --no-publicly-accessible --deletion-protection');
    expect(outage[1]!.aws![1]).toContain(
      '--db-snapshot-identifier lifeboat-orders-db-20261124t0000-eu-west-1 ',
    );
    // Account compromise: the DR account's copy, said to be unverified, with the team's profile.
    const compromise = ids('account-compromise').steps;
    expect(compromise[0]!.text).toContain(
      'lifeboat-orders-db-20261124t0000-eu-west-1-222222222222, which was NEVER VERIFIED',
    );
    expect(compromise[0]!.lifeboat![0]).toBe(
      'lifeboat failover --db orders-db --to 222222222222/eu-west-1 --dry-run --profile <TEAM: break-glass profile of account 222222222222>',
    );
    // Bad data: the row-level recovery command, and a point-in-time restore beside production.
    expect(ids('bad-data').steps[0]!.lifeboat![0]).toMatch(/^lifeboat recover --db orders-db --time <TEAM: /);
    expect(ids('bad-data').steps[1]!.aws![0]).toContain(
      '--source-db-instance-identifier orders-db --target-db-instance-identifier orders-db-pitr',
    );
    // Lifeboat's own restore beside production is kept to read from, not deleted after its check.
    expect(ids('bad-data').steps[1]!.lifeboat![0]).toMatch(
      /^lifeboat restore --db orders-db --time <TEAM: .*> --keep-scratch --wait /,
    );
    // Instance loss: the newest snapshot at home.
    expect(ids('instance-loss').steps[0]!.aws![0]).toContain(
      '--db-snapshot-identifier lifeboat-orders-db-20261124t0600 ',
    );
    expect(md).toContain('lifeboat failover --db orders-db --to eu-west-1 --wait');
  });

  it('marks what only the team knows as placeholders', () => {
    const team = json['orders-db.json']!.procedures.find((p) => p.id === 'team')!;
    expect(team.steps.map((s) => s.text).join('\n')).toMatch(/DNS: <TEAM: /);
    expect(team.steps.every((s) => s.text.includes('<TEAM: '))).toBe(true);
    expect(markdown['orders-db.md']).toContain("Values written `<TEAM: ...>` are the team's to fill in");
  });

  it('gives an Aurora cluster its cluster restore and the instances the policy lists', () => {
    const outage = json['ledger.json']!.procedures.find((p) => p.id === 'regional-outage')!.steps[1]!.aws!;
    expect(outage[1]).toContain(
      'restore-db-cluster-from-snapshot --db-cluster-identifier ledger-failover --snapshot-identifier lifeboat-ledger-20261124t0300-eu-west-1 --engine aurora-postgresql',
    );
    expect(outage.filter((c) => c.startsWith('aws rds create-db-instance'))).toEqual([
      expect.stringContaining(
        '--db-instance-identifier ledger-failover-1 --db-cluster-identifier ledger-failover --engine aurora-postgresql --db-instance-class db.r6g.large',
      ),
      expect.stringContaining(
        '--db-instance-identifier ledger-failover-2 --db-cluster-identifier ledger-failover --engine aurora-postgresql --db-instance-class db.r6g.xlarge',
      ),
    ]);
    expect(json['ledger.json']!.facts.targets[0]!.pointInTime).toBeNull();
    expect(markdown['ledger.md']).toContain('**never**');
  });

  it('refuses a database it has no snapshot of: exit 2, one line', async () => {
    const run = await runLifeboat(args(join(dir, 'none'), '--db', 'billing'));
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'lifeboat: --db billing: no Lifeboat snapshot names it (databases: ledger, orders-db)\n',
    );
  });
});
