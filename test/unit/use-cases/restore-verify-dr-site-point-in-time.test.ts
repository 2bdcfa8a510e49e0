import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../lib/core/errors.js';
import type { Snapshot } from '../../../lib/core/model.js';
import type { ReplicatedBackup } from '../../../lib/core/monitor/point-in-time.js';
import { validatePolicyFile } from '../../../lib/core/policy/parse.js';
import { TAG } from '../../../lib/core/tags.js';
import type { RestoreVerifyDeps } from '../../../lib/core/use-cases/restore-verify/types.js';
import { validateInput } from '../../../lib/core/use-cases/restore-verify/validate-input.js';

/*
 * ValidateInput of a point in time at a DR site in eu-west-1 of the primary's account: the pure
 * checks, over in-memory ports (the ASL test, restore-verify-dr-site-point-in-time.test.ts, runs
 * the whole machine over RDS's documented shapes).
 */
const NOW = new Date('2026-11-24T12:00:00Z');
const KEY = 'arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555';
const policy = (tag: string) => ({
  select: { tags: { 'lifeboat:policy': tag } },
  schedule: 'cron(0 */6 * * ? *)',
  rpoMinutes: 360,
  rtoMinutes: 120,
  retention: { daily: 7 },
  copies: [
    {
      region: 'eu-west-1',
      kmsKeyId: KEY,
      pointInTime: { retentionDays: 7 },
      verify: { subnetGroup: 'lifeboat-dr-scratch' },
    },
  ],
  verify: { instanceClass: 'db.t4g.medium', databases: ['app'] },
});
const site = { kind: 'dr', region: 'eu-west-1', primary: { account: '111111111111', region: 'us-east-1' } };

function heldCopy(kind: Snapshot['kind'], source: string): Snapshot {
  return {
    kind,
    id: `lifeboat-${source}-20261124t0600`,
    arn: `arn:aws:rds:eu-west-1:111111111111:${kind === 'cluster' ? 'cluster-snapshot' : 'snapshot'}:lifeboat-${source}-20261124t0600`,
    sourceId: source,
    type: 'manual',
    status: 'available',
    encrypted: true,
    engine: kind === 'cluster' ? 'aurora-postgresql' : 'postgres',
    region: 'eu-west-1',
    createdAt: new Date('2026-11-24T06:10:00Z'),
    tags: {
      [TAG.managed]: 'true',
      [TAG.policy]: 'gold',
      [TAG.source]: source,
      [TAG.sourceArn]: `arn:aws:rds:us-east-1:111111111111:${kind === 'cluster' ? 'cluster' : 'db'}:${source}`,
    },
  };
}

const backup: ReplicatedBackup = {
  arn: 'arn:aws:rds:eu-west-1:111111111111:auto-backup:ab-orders',
  sourceArn: 'arn:aws:rds:us-east-1:111111111111:db:orders-db',
  status: 'active',
  earliest: new Date('2026-11-20T00:00:00Z'),
  latest: new Date('2026-11-24T11:55:00Z'),
  engine: 'mysql',
};

function drDeps(policies: Record<string, unknown>, held: Snapshot[] = []): RestoreVerifyDeps {
  return {
    policies: validatePolicyFile({ site, policies }),
    snapshots: { region: 'eu-west-1', listSnapshots: async () => held },
    replication: { listReplicated: async () => [backup] },
    clock: () => NOW,
  } as unknown as RestoreVerifyDeps;
}

const at = (input: Record<string, unknown>, deps: RestoreVerifyDeps) => validateInput({ input }, deps);

describe('ValidateInput of a point in time at a DR site', () => {
  it('knows a database by its replicated automated backups alone: their source ARN and engine', async () => {
    const request = await at(
      { source: 'orders-db', pointInTime: 'latest' },
      drDeps({ gold: policy('gold') }),
    );

    expect(request).toMatchObject({
      mode: 'database',
      policy: 'gold',
      pointInTime: 'latest',
      source: { id: 'orders-db', kind: 'instance', engine: 'mysql', arn: backup.sourceArn },
      target: { name: 'eu-west-1', region: 'eu-west-1', local: true },
    });
  });

  it('asks for the policy when several replicate automated backups there and no copy names one', async () => {
    const deps = drDeps({ gold: policy('gold'), silver: policy('silver') });

    await expect(at({ source: 'orders-db', pointInTime: '2026-11-24T11:00:00Z' }, deps)).rejects.toThrow(
      'several policies replicate automated backups to this DR site: name the one of "orders-db" with "policy"',
    );
    await expect(
      at({ source: 'orders-db', policy: 'silver', pointInTime: '2026-11-24T11:00:00Z' }, deps),
    ).resolves.toMatchObject({ policy: 'silver' });
  });

  it('refuses an Aurora cluster it holds copies of, saying what lowers its DR RPO instead', async () => {
    const deps = drDeps({ gold: policy('gold') }, [heldCopy('cluster', 'ledger')]);

    const refused = at({ source: 'ledger', pointInTime: '2026-11-24T11:00:00Z' }, deps);

    await expect(refused).rejects.toBeInstanceOf(InvalidInputError);
    await expect(refused).rejects.toThrow(/pointInTime at this DR site: Aurora clusters cannot replicate/);
  });

  it('refuses a point in time without a source (a policy run restores snapshots)', async () => {
    await expect(
      at({ policy: 'gold', pointInTime: '2026-11-24T11:00:00Z' }, drDeps({ gold: policy('gold') })),
    ).rejects.toThrow('pointInTime: name the database ("source") to restore to that time');
  });
});

describe('pointInTime "latest" at the primary', () => {
  it('is refused: only replicated backups say their latest restorable time', async () => {
    const deps = {
      policies: validatePolicyFile({ policies: { gold: policy('gold') } }),
      snapshots: {
        region: 'us-east-1',
        listDatabases: async () => [
          {
            id: 'orders-db',
            kind: 'instance',
            engine: 'postgres',
            arn: backup.sourceArn,
            tags: { 'lifeboat:policy': 'gold' },
          },
        ],
      },
      siteFor: () => {
        throw new Error('no DR target is reached');
      },
      clock: () => NOW,
    } as unknown as RestoreVerifyDeps;

    await expect(at({ source: 'orders-db', pointInTime: 'latest' }, deps)).rejects.toThrow(
      'pointInTime "latest": only a target with replicated automated backups says its latest restorable time',
    );
  });
});
