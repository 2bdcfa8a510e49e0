import { describe, expect, it } from 'vitest';
import { ConfigError, InvalidInputError } from '../../../lib/core/errors.js';
import { checkFailoverName, failoverId, planFailover } from '../../../lib/core/failover/plan.js';
import { chooseSource } from '../../../lib/core/failover/source.js';
import { drSiteReportsBucket, parseTarget } from '../../../lib/core/failover/target.js';
import type { DrCopy, ReplicatedBackup } from '../../../lib/core/failover/types.js';
import { parsePolicyFile } from '../../../lib/core/policy/file.js';
import { TAG } from '../../../lib/core/tags.js';

const NOW = new Date('2026-11-24T12:00:00Z');
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000);

function copy(id: string, hours: number, extra: Partial<DrCopy> = {}): DrCopy {
  return {
    kind: 'instance',
    id,
    arn: `arn:aws:rds:eu-west-1:111111111111:snapshot:${id}`,
    database: 'orders',
    policy: 'gold',
    status: 'available',
    engine: 'postgres',
    dataAt: hoursAgo(hours),
    tags: {},
    ...extra,
  };
}
const backup: ReplicatedBackup = {
  arn: 'arn:aws:rds:eu-west-1:111111111111:auto-backup:ab-1',
  sourceId: 'orders',
  sourceRegion: 'us-east-1',
  status: 'replicating',
  engine: 'postgres',
  earliest: hoursAgo(72),
  latest: new Date(NOW.getTime() - 4 * 60_000),
};

const choose = (
  request: Parameters<typeof chooseSource>[0]['request'],
  copies: DrCopy[],
  backups: ReplicatedBackup[] = [],
) => chooseSource({ database: 'orders', region: 'eu-west-1', backups, copies, request, now: NOW });

describe('chooseSource', () => {
  const verified = copy('lifeboat-orders-a', 12, { verifiedAt: hoursAgo(10).toISOString() });
  const newer = copy('lifeboat-orders-b', 6);

  it('takes the replicated backups at their latest restorable time over any copy', () => {
    const { source, warnings } = choose({ mode: 'best' }, [verified, newer], [backup]);
    expect(source).toEqual({ type: 'point-in-time', backup, time: backup.latest });
    expect(warnings).toEqual([]);
  });

  it('ignores backups without a restore window (still creating)', () => {
    const creating = { ...backup, status: 'creating' };
    expect(choose({ mode: 'best' }, [verified], [creating]).source.type).toBe('snapshot');
  });

  it('takes the newest verified copy over a newer unverified one, and names the newer', () => {
    const { source, warnings } = choose({ mode: 'best' }, [newer, verified]);
    expect(source).toMatchObject({ type: 'snapshot', copy: { id: 'lifeboat-orders-a' }, verified: true });
    expect(warnings.join()).toContain('a newer copy lifeboat-orders-b');
  });

  it('falls back to the newest copy when none was verified, and says so loudly', () => {
    const { source, warnings } = choose({ mode: 'best' }, [copy('lifeboat-orders-c', 30), newer]);
    expect(source).toMatchObject({ copy: { id: 'lifeboat-orders-b' }, verified: false });
    expect(warnings).toEqual([expect.stringMatching(/^UNVERIFIED SOURCE: lifeboat-orders-b/)]);
  });

  it('with --latest takes the freshest copy, verified or not', () => {
    expect(choose({ mode: 'latest' }, [verified, newer]).source).toMatchObject({
      copy: { id: 'lifeboat-orders-b' },
    });
  });

  it('skips copies that are not available', () => {
    const copying = copy('lifeboat-orders-d', 1, { status: 'copying' });
    expect(choose({ mode: 'latest' }, [copying, newer]).source).toMatchObject({
      copy: { id: 'lifeboat-orders-b' },
    });
    expect(() => choose({ mode: 'snapshot', snapshotId: 'lifeboat-orders-d' }, [copying])).toThrow(
      '--snapshot lifeboat-orders-d is copying, not available',
    );
  });

  it('refuses a --time in the future or outside the window, and without backups', () => {
    expect(() => choose({ mode: 'time', time: new Date(NOW.getTime() + 60_000) }, [], [backup])).toThrow(
      /in the future/,
    );
    expect(() => choose({ mode: 'time', time: hoursAgo(100) }, [], [backup])).toThrow(
      /outside the restore window/,
    );
    expect(() => choose({ mode: 'time', time: hoursAgo(1) }, [newer])).toThrow(
      /needs replicated automated backups .* --snapshot \(newest: lifeboat-orders-b\)/,
    );
  });

  it('has no source at all for an empty target', () => {
    expect(() => choose({ mode: 'best' }, [])).toThrow(InvalidInputError);
  });
});

const FILE = (failover: string, topLevel = '') =>
  parsePolicyFile(`
policies:
  gold:
    select: { tags: { 'lifeboat:policy': gold } }
    schedule: 'cron(0 */6 * * ? *)'
    rpoMinutes: 360
    rtoMinutes: 120
    retention: { daily: 7 }
    copies:
      - region: eu-west-1
        kmsKeyId: alias/dr
${failover}
${topLevel}
`);

describe('planFailover', () => {
  const plan = (
    failover: string,
    copies: DrCopy[],
    extra: Partial<Parameters<typeof planFailover>[0]> = {},
  ) =>
    planFailover({
      policies: FILE(failover),
      database: 'orders',
      target: parseTarget('eu-west-1'),
      request: { mode: 'best' },
      backups: [],
      copies,
      now: NOW,
      ...extra,
    });

  it('gives the data-loss window from the data time to now, and warns past the RPO', () => {
    const planned = plan('        failover: { instanceClass: db.r6g.large }', [copy('lifeboat-orders-a', 7)]);
    expect(planned.dataLoss).toEqual({
      from: hoursAgo(7).toISOString(),
      to: NOW.toISOString(),
      minutes: 420,
    });
    expect(planned.warnings.join()).toContain('past the RPO of 360 min');
    expect(planned.newId).toBe('orders-failover-20261124t1200');
    expect(planned.settings).toMatchObject({ deletionProtection: true, multiAz: false, instances: [] });
    expect(planned.tags).toMatchObject({ [TAG.failoverOf]: 'orders', [TAG.policy]: 'gold' });
    expect(planned.tags[TAG.scratch]).toBeUndefined();
  });

  it('plans one Aurora instance by default and the listed ones otherwise', () => {
    const cluster = copy('lifeboat-ledger-a', 1, {
      kind: 'cluster',
      database: 'orders',
      engine: 'aurora-postgresql',
    });
    expect(plan('        failover: { instanceClass: db.r6g.large }', [cluster]).settings.instances).toEqual([
      { id: 'orders-failover-20261124t1200-1', instanceClass: 'db.r6g.large' },
    ]);
    const two = plan(
      '        failover: { instanceClass: db.r6g.large, instances: [{}, { instanceClass: db.r6g.xlarge, availabilityZone: eu-west-1b }] }',
      [cluster],
    );
    expect(two.settings.instances.map((i) => [i.id, i.instanceClass, i.availabilityZone])).toEqual([
      ['orders-failover-20261124t1200-1', 'db.r6g.large', undefined],
      ['orders-failover-20261124t1200-2', 'db.r6g.xlarge', 'eu-west-1b'],
    ]);
  });

  it('refuses settings that do not fit the kind of database, naming the key', () => {
    const cluster = copy('lifeboat-ledger-a', 1, { kind: 'cluster' });
    expect(() => plan('        failover: { instanceClass: db.r6g.large, multiAz: true }', [cluster])).toThrow(
      new ConfigError(
        'policies.gold.copies[0].failover.multiAz is for RDS instances: for Aurora, list two instances',
      ),
    );
    expect(() =>
      plan('        failover: { instanceClass: db.r6g.large, instances: [{}] }', [copy('x', 1)]),
    ).toThrow('policies.gold.copies[0].failover.instances is for Aurora clusters: orders is a DB instance');
  });

  it('refuses a policy that does not copy to the target', () => {
    expect(() =>
      plan('        failover: { instanceClass: db.r6g.large }', [copy('x', 1)], { policyName: 'silver' }),
    ).toThrow('policy silver has no copy target eu-west-1 (policies with it: gold)');
  });
});

describe('failover names', () => {
  it('are RDS ids, never a prefix Lifeboat deletes', () => {
    expect(failoverId('Orders_DB', NOW)).toMatch(/^[a-z][a-z0-9-]{0,62}$/);
    expect(checkFailoverName('Orders-DR')).toBe('orders-dr');
    expect(() => checkFailoverName('lbs-orders')).toThrow(/starts with lbs-/);
    expect(() => checkFailoverName('lifeboat-orders')).toThrow(/starts with lifeboat-/);
    expect(() => checkFailoverName('1orders')).toThrow(/not an RDS identifier/);
    expect(() => checkFailoverName('a--b')).toThrow(/not an RDS identifier/);
  });
});

describe('parseTarget', () => {
  it('reads a region, account/region and region/account alike', () => {
    expect(parseTarget('eu-west-1')).toEqual({ region: 'eu-west-1', label: 'eu-west-1' });
    expect(parseTarget('222222222222/eu-west-1')).toEqual(parseTarget('eu-west-1/222222222222'));
    expect(parseTarget('222222222222/eu-west-1').label).toBe('eu-west-1/222222222222');
    expect(() => parseTarget('222222222222')).toThrow(/is not a region or account\/region/);
    expect(() => parseTarget('eu-west-1/eu-west-2')).toThrow(/is not a region or account\/region/);
  });
});

describe('copies[].failover in the policy file', () => {
  it.each([
    ['failover: {}', 'policies.gold.copies.0.failover.instanceClass'],
    ['failover: { instanceClass: large }', 'must be an RDS class such as db.t4g.medium'],
    ['failover: { instanceClass: db.r6g.large, securityGroups: [default] }', 'must be a security group id'],
    ['failover: { instanceClass: db.r6g.large, instances: [] }', 'must list at least one instance'],
    ['failover: { instanceClass: db.r6g.large, multiAz: yes }', 'multiAz: must be true or false'],
    ['failover: { instanceClass: db.r6g.large, instances: [{ promotionTier: 16 }] }', 'from 0 to 15'],
    [
      'failover: { instanceClass: db.r6g.large, deletionProtection: false }',
      'unknown key "deletionProtection"',
    ],
  ])('%s is refused: %s', (line, message) => {
    expect(() => FILE(`        ${line}`)).toThrow(message);
  });
});

describe("the DR site's reports bucket", () => {
  const file = (drSites: string) => FILE('', drSites);

  it('is the drSites bucket, else the fixed name of the stage, else unknown', () => {
    const target = parseTarget('eu-west-1');
    expect(
      drSiteReportsBucket(file("drSites: [{ account: '111111111111', region: eu-west-1 }]"), target, 'prod'),
    ).toEqual({
      bucket: 'lifeboat-prod-reports-111111111111-eu-west-1',
      site: true,
    });
    expect(
      drSiteReportsBucket(
        file("drSites: [{ account: '111111111111', region: eu-west-1 }]"),
        target,
        undefined,
      ),
    ).toEqual({
      site: true,
    });
    expect(
      drSiteReportsBucket(
        file("drSites: [{ account: '111111111111', region: eu-west-1, bucket: dr-reports }]"),
        target,
        'prod',
      ),
    ).toEqual({ bucket: 'dr-reports', site: true });
    expect(drSiteReportsBucket(file(''), target, 'prod')).toEqual({ site: false });
  });
});
