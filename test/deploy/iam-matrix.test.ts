import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { drRoleArn } from '../../lib/core/naming/dr-role.js';
import { parsePolicyFile } from '../../lib/core/policy/file.js';
import {
  decide,
  DR_ACCOUNT,
  HOME,
  rdsArn,
  requestTags,
  resolvedRole,
  resourceTags,
  roleOfFunction,
  type ResolvedRole,
} from '../support/iam.js';
import { loadTemplate, resourcesOfType } from '../support/template.js';
import { denialProbes, failoverProbes, type Owned } from '../support/iam-probes.js';

/**
 * The packaged roles, evaluated by a real IAM policy evaluator (test/support/iam.ts): every call the
 * code makes is allowed for the role of the function that makes it, and nothing Lifeboat does not
 * own can be deleted, shared, tagged, modified or have its password reset by any role.
 */
const template = loadTemplate();
const policies = parsePolicyFile(readFileSync('lifeboat.example.yml', 'utf8')).policies;
const DR = [...new Set(Object.values(policies).flatMap((p) => p.copies.map((c) => c.region)))];
const REGIONS = [HOME.region, ...DR];
const dr = DR[0]!;

const SNAPSHOT_TAGS = {
  'lifeboat:managed': 'true',
  'lifeboat:policy': 'gold',
  'lifeboat:source': 'orders',
  'lifeboat:source-arn': rdsArn.instance('orders'),
  'lifeboat:tier': 'primary',
  'lifeboat:scheduled-at': '2026-11-24T09:45:00.000Z',
};
const copyTags = (tier: string, target: string) => ({
  ...SNAPSHOT_TAGS,
  'lifeboat:tier': tier,
  'lifeboat:copy-of': rdsArn.snapshot('lifeboat-orders-20261124t0945'),
  'lifeboat:origin': 'lifeboat-orders-20261124t0945',
  'lifeboat:target': target,
});
/** A pre-change snapshot (lifeboat snapshot / the snapshot function's pre-change input). */
const PRE_CHANGE = 'lifeboat-orders-20261124t094512-pre';
const PRE_CHANGE_TAGS = {
  ...SNAPSHOT_TAGS,
  'lifeboat:scheduled-at': '2026-11-24T09:45:12.000Z',
  'lifeboat:reason': 'migration 42: add index',
  'lifeboat:keep-until': '2026-12-01T09:45:12.000Z',
};
/** Its copies carry the reason and keep-until, so DR keeps them as long. */
const preChangeCopyTags = (tier: string, target: string) => ({
  ...copyTags(tier, target),
  'lifeboat:reason': PRE_CHANGE_TAGS['lifeboat:reason'],
  'lifeboat:keep-until': PRE_CHANGE_TAGS['lifeboat:keep-until'],
  'lifeboat:copy-of': rdsArn.snapshot(PRE_CHANGE),
  'lifeboat:origin': PRE_CHANGE,
});
const SCRATCH_TAGS = {
  'lifeboat:scratch': 'true',
  'lifeboat:expires-at': '2026-11-24T15:45:00.000Z',
  'lifeboat:restored-from': 'lifeboat-orders-20261124t0945',
  'lifeboat:execution': 'arn:aws:states:us-east-1:111111111111:execution:lifeboat-dev-restore-verify:gold',
  'lifeboat:source': 'orders',
  'lifeboat:policy': 'gold',
};
const MANAGED = resourceTags({ 'lifeboat:managed': 'true' });
const SCRATCH = resourceTags({ 'lifeboat:scratch': 'true' });
const SNAP = 'lifeboat-orders-20261124t0945';
/** What AWS Backup restore testing restored, tagged as it tags it (restore-testing.html, "Data deletion"). */
const RESTORED = 'awsbackup-restore-test-6f1d2c3b4a59';
const RESTORE_TEST = resourceTags({ 'awsbackup-restore-test': 'weekly_rds' });
/** lifeboat.example.yml validates restore testing plan weekly_rds; AWS Backup appends an id to its ARN. */
const PLAN = `arn:aws:backup:${HOME.region}:${HOME.account}:restore-testing-plan:weekly_rds-2b7c9e41-8d3a-4f5e-a6b1-c0d9e8f7a6b5`;
const SCRATCH_ID = 'lbs-orders-20261124t0945-a1b2c3';
/** The key of the example's pointInTime target, for its replicated automated backups. */
const REPLICA_KEY = policies.gold!.copies.find((c) => c.pointInTime)!.kmsKeyId;
const AUTO_BACKUP = `arn:aws:rds:${dr}:${HOME.account}:auto-backup:ab-orders`;
const FOR_RDS = { 'kms:GrantIsForAWSResource': 'true' };
/** The reports bucket as test/support/iam.ts names it (GetAtt ReportsBucket.Arn). */
const REPORTS_BUCKET = 'arn:aws:s3:::lifeboat-reportsbucket';

type Row = [fn: string, action: string, resource: string, context?: Record<string, string | string[]>];

/**
 * Every AWS call the code makes that IAM can refuse, with the resource and the tags it really
 * sends, one row each: function (serverless name), action, resource ARN, request context.
 */
const ALLOWED: Row[] = [
  // take-snapshots: CreateDB*Snapshot with its tags (authorized on the database and the snapshot;
  // the tags as AddTagsToResource on the new snapshot).
  ['snapshot', 'rds:CreateDBSnapshot', rdsArn.instance('orders'), requestTags(SNAPSHOT_TAGS)],
  ['snapshot', 'rds:CreateDBSnapshot', rdsArn.snapshot(SNAP), requestTags(SNAPSHOT_TAGS)],
  ['snapshot', 'rds:AddTagsToResource', rdsArn.snapshot(SNAP), requestTags(SNAPSHOT_TAGS)],
  ['snapshot', 'rds:CreateDBClusterSnapshot', rdsArn.cluster('ledger'), requestTags(SNAPSHOT_TAGS)],
  ['snapshot', 'rds:CreateDBClusterSnapshot', rdsArn.clusterSnapshot(SNAP), requestTags(SNAPSHOT_TAGS)],
  ['snapshot', 'rds:AddTagsToResource', rdsArn.clusterSnapshot(SNAP), requestTags(SNAPSHOT_TAGS)],
  ['snapshot', 'rds:DescribeDBInstances', rdsArn.instance('orders')],
  // take-pre-change-snapshot: the same calls, with the reason and keep-until tags too.
  ['snapshot', 'rds:CreateDBSnapshot', rdsArn.snapshot(PRE_CHANGE), requestTags(PRE_CHANGE_TAGS)],
  ['snapshot', 'rds:AddTagsToResource', rdsArn.snapshot(PRE_CHANGE), requestTags(PRE_CHANGE_TAGS)],
  [
    'snapshot',
    'rds:CreateDBClusterSnapshot',
    rdsArn.clusterSnapshot(PRE_CHANGE),
    requestTags(PRE_CHANGE_TAGS),
  ],
  ['snapshot', 'rds:AddTagsToResource', rdsArn.clusterSnapshot(PRE_CHANGE), requestTags(PRE_CHANGE_TAGS)],
  // copy-snapshot of a pre-change snapshot: its copies carry the reason and keep-until.
  [
    'copy',
    'rds:CopyDBSnapshot',
    rdsArn.snapshot(`${PRE_CHANGE}-${dr}`, dr),
    requestTags(preChangeCopyTags('dr-region', dr)),
  ],
  [
    'copy',
    'rds:AddTagsToResource',
    rdsArn.clusterSnapshot(`${PRE_CHANGE}-${dr}`, dr),
    requestTags(preChangeCopyTags('dr-region', dr)),
  ],
  [
    'copy',
    'rds:CopyDBSnapshot',
    rdsArn.snapshot(`${PRE_CHANGE}-share-${DR_ACCOUNT}`),
    requestTags(preChangeCopyTags('primary', `${dr}/${DR_ACCOUNT}`)),
  ],
  // copy-snapshot: the DR-region copy, the shareable copy, sharing, the announced mark, clean-up.
  ['copy', 'rds:CopyDBSnapshot', rdsArn.snapshot(SNAP), MANAGED],
  [
    'copy',
    'rds:CopyDBSnapshot',
    rdsArn.snapshot(`${SNAP}-${dr}`, dr),
    requestTags(copyTags('dr-region', dr)),
  ],
  [
    'copy',
    'rds:AddTagsToResource',
    rdsArn.snapshot(`${SNAP}-${dr}`, dr),
    requestTags(copyTags('dr-region', dr)),
  ],
  ['copy', 'rds:CopyDBClusterSnapshot', rdsArn.clusterSnapshot(SNAP), MANAGED],
  [
    'copy',
    'rds:CopyDBClusterSnapshot',
    rdsArn.clusterSnapshot(`${SNAP}-${dr}`, dr),
    requestTags(copyTags('dr-region', dr)),
  ],
  [
    'copy',
    'rds:AddTagsToResource',
    rdsArn.clusterSnapshot(`${SNAP}-${dr}`, dr),
    requestTags(copyTags('dr-region', dr)),
  ],
  [
    'copy',
    'rds:CopyDBSnapshot',
    rdsArn.snapshot(`${SNAP}-share-${DR_ACCOUNT}`),
    requestTags(copyTags('primary', `${dr}/${DR_ACCOUNT}`)),
  ],
  [
    'copy',
    'rds:AddTagsToResource',
    rdsArn.snapshot(`${SNAP}-share-${DR_ACCOUNT}`),
    requestTags(copyTags('primary', `${dr}/${DR_ACCOUNT}`)),
  ],
  ['copy', 'rds:ModifyDBSnapshotAttribute', rdsArn.snapshot(`${SNAP}-share-${DR_ACCOUNT}`), MANAGED],
  [
    'copy',
    'rds:ModifyDBClusterSnapshotAttribute',
    rdsArn.clusterSnapshot(`${SNAP}-share-${DR_ACCOUNT}`),
    MANAGED,
  ],
  [
    'copy',
    'rds:AddTagsToResource',
    rdsArn.snapshot(SNAP),
    { ...MANAGED, ...requestTags({ [`lifeboat:copy-announced:${dr}`]: 'true' }) },
  ],
  ['copy', 'rds:DeleteDBSnapshot', rdsArn.snapshot(`${SNAP}-share-${DR_ACCOUNT}`), MANAGED],
  ['copy', 'rds:DeleteDBClusterSnapshot', rdsArn.clusterSnapshot(`${SNAP}-share-${DR_ACCOUNT}`), MANAGED],
  ['copy', 'rds:DeleteDBSnapshot', rdsArn.snapshot(`${SNAP}-${dr}`, dr), MANAGED],
  ['copy', 'rds:DescribeDBSnapshots', rdsArn.snapshot(`${SNAP}-${dr}`, dr)],
  // A DR copy RDS failed: deleted (guarded) before it is copied again.
  ['copy', 'rds:DeleteDBClusterSnapshot', rdsArn.clusterSnapshot(`${SNAP}-${dr}`, dr), MANAGED],
  // A cluster snapshot bound for a DR account in another region: first copied into that region in
  // this account, shared there, and deleted once the DR account's copy is done.
  [
    'copy',
    'rds:CopyDBClusterSnapshot',
    rdsArn.clusterSnapshot(`${SNAP}-share-${DR_ACCOUNT}`, dr),
    requestTags(copyTags('primary', `${dr}/${DR_ACCOUNT}`)),
  ],
  [
    'copy',
    'rds:AddTagsToResource',
    rdsArn.clusterSnapshot(`${SNAP}-share-${DR_ACCOUNT}`, dr),
    requestTags(copyTags('primary', `${dr}/${DR_ACCOUNT}`)),
  ],
  [
    'copy',
    'rds:ModifyDBClusterSnapshotAttribute',
    rdsArn.clusterSnapshot(`${SNAP}-share-${DR_ACCOUNT}`, dr),
    MANAGED,
  ],
  ['copy', 'rds:DeleteDBClusterSnapshot', rdsArn.clusterSnapshot(`${SNAP}-share-${DR_ACCOUNT}`, dr), MANAGED],
  ['copy', 'rds:DescribeDBClusterSnapshots', rdsArn.clusterSnapshot(`${SNAP}-share-${DR_ACCOUNT}`, dr)],
  [
    'copy',
    'kms:CreateGrant',
    `arn:aws:kms:${dr}:${HOME.account}:key/11111111-2222-3333-4444-555555555555`,
    { 'kms:ViaService': `rds.${dr}.amazonaws.com` },
  ],
  ['copy', 'sts:AssumeRole', drRoleArn(DR_ACCOUNT, dr)],
  // prune: managed snapshots and copies in every region of the policy.
  ...REGIONS.flatMap((region): Row[] => [
    ['prune', 'rds:DeleteDBSnapshot', rdsArn.snapshot(`${SNAP}-${region}`, region), MANAGED],
    ['prune', 'rds:DeleteDBClusterSnapshot', rdsArn.clusterSnapshot(`${SNAP}-${region}`, region), MANAGED],
  ]),
  // A failed managed snapshot is announced once, marked on the snapshot itself.
  ...REGIONS.flatMap((region): Row[] => [
    [
      'prune',
      'rds:AddTagsToResource',
      rdsArn.snapshot(SNAP, region),
      { ...MANAGED, ...requestTags({ 'lifeboat:failure-announced': '2026-11-24T11:00:00.000Z' }) },
    ],
    [
      'prune',
      'rds:AddTagsToResource',
      rdsArn.clusterSnapshot(SNAP, region),
      { ...MANAGED, ...requestTags({ 'lifeboat:failure-announced': '2026-11-24T11:00:00.000Z' }) },
    ],
  ]),
  ['prune', 'sts:AssumeRole', drRoleArn(DR_ACCOUNT, dr)],
  // monitor: expired scratch in every region verify runs in; DR copies through the DR role.
  ...REGIONS.flatMap((region): Row[] => [
    ['monitor', 'rds:DeleteDBInstance', rdsArn.instance(SCRATCH_ID, region), SCRATCH],
    ['monitor', 'rds:DeleteDBInstance', rdsArn.instance(`${SCRATCH_ID}-1`, region), SCRATCH],
    ['monitor', 'rds:DeleteDBCluster', rdsArn.cluster(SCRATCH_ID, region), SCRATCH],
  ]),
  ['monitor', 'rds:DescribeDBInstances', rdsArn.instance(SCRATCH_ID, dr)],
  ['monitor', 'sts:AssumeRole', drRoleArn(DR_ACCOUNT, dr)],
  // The manual-snapshot quota here and at every copy target (DescribeAccountAttributes has no
  // resource type: it is authorized on "*").
  ['monitor', 'rds:DescribeAccountAttributes', '*'],
  // Automated-backup replication to the pointInTime target: listed there, started there for an
  // instance of the home region, encrypted under the target's key through a grant for RDS.
  ['monitor', 'rds:DescribeDBInstanceAutomatedBackups', AUTO_BACKUP],
  ['monitor', 'rds:StartDBInstanceAutomatedBackupsReplication', rdsArn.instance('orders')],
  ['monitor', 'kms:CreateGrant', REPLICA_KEY, FOR_RDS],
  ['monitor', 'kms:DescribeKey', REPLICA_KEY],
  // runbooks, after each restore-verify run: the snapshots at home and at the DR regions of this
  // account, the replicated backups there, the newest reports and failover records, and the runbook
  // objects it writes (lib/adapters/aws/runbook-state.ts, s3-runbooks.ts).
  ...REGIONS.flatMap((region): Row[] => [
    ['runbooks', 'rds:DescribeDBSnapshots', rdsArn.snapshot(SNAP, region)],
    ['runbooks', 'rds:DescribeDBClusterSnapshots', rdsArn.clusterSnapshot(SNAP, region)],
  ]),
  ['runbooks', 'rds:DescribeDBInstanceAutomatedBackups', AUTO_BACKUP],
  ['runbooks', 's3:ListBucket', REPORTS_BUCKET, { 's3:prefix': 'reports/orders/' }],
  ['runbooks', 's3:ListBucket', REPORTS_BUCKET, { 's3:prefix': 'failovers/orders/' }],
  ['runbooks', 's3:GetObject', `${REPORTS_BUCKET}/reports/orders/20261124T094500Z.json`],
  ['runbooks', 's3:GetObject', `${REPORTS_BUCKET}/failovers/orders/2026-11-24T10:00:00.000Z.json`],
  ['runbooks', 's3:PutObject', `${REPORTS_BUCKET}/runbooks/orders.md`],
  ['runbooks', 's3:PutObject', `${REPORTS_BUCKET}/runbooks/orders.json`],
  ['runbooks', 's3:PutObject', `${REPORTS_BUCKET}/runbooks/README.md`],
  // restore-verify: scratch restores in the home and DR regions, tagged at creation.
  ...REGIONS.flatMap((region): Row[] => [
    [
      'restoreStartRestore',
      'rds:RestoreDBInstanceFromDBSnapshot',
      rdsArn.instance(SCRATCH_ID, region),
      requestTags(SCRATCH_TAGS),
    ],
    [
      'restoreStartRestore',
      'rds:RestoreDBInstanceFromDBSnapshot',
      rdsArn.snapshot(SNAP, region),
      requestTags(SCRATCH_TAGS),
    ],
    [
      'restoreStartRestore',
      'rds:RestoreDBInstanceFromDBSnapshot',
      `arn:aws:rds:${region}:${HOME.account}:subgrp:lifeboat-scratch`,
      requestTags(SCRATCH_TAGS),
    ],
    [
      'restoreStartRestore',
      'rds:RestoreDBInstanceFromDBSnapshot',
      `arn:aws:rds:${region}:${HOME.account}:og:default:postgres-16`,
      requestTags(SCRATCH_TAGS),
    ],
    [
      'restoreStartRestore',
      'rds:RestoreDBInstanceFromDBSnapshot',
      `arn:aws:rds:${region}:${HOME.account}:pg:default.postgres16`,
      requestTags(SCRATCH_TAGS),
    ],
    [
      'restoreStartRestore',
      'rds:AddTagsToResource',
      rdsArn.instance(SCRATCH_ID, region),
      requestTags(SCRATCH_TAGS),
    ],
    [
      'restoreStartRestore',
      'rds:RestoreDBClusterFromSnapshot',
      rdsArn.cluster(SCRATCH_ID, region),
      requestTags(SCRATCH_TAGS),
    ],
    [
      'restoreStartRestore',
      'rds:RestoreDBClusterFromSnapshot',
      rdsArn.clusterSnapshot(SNAP, region),
      requestTags(SCRATCH_TAGS),
    ],
    [
      'restoreStartRestore',
      'rds:AddTagsToResource',
      rdsArn.cluster(SCRATCH_ID, region),
      requestTags(SCRATCH_TAGS),
    ],
    [
      'restoreStartRestore',
      'rds:CreateDBInstance',
      rdsArn.instance(`${SCRATCH_ID}-1`, region),
      requestTags(SCRATCH_TAGS),
    ],
    [
      'restoreStartRestore',
      'rds:AddTagsToResource',
      rdsArn.instance(`${SCRATCH_ID}-1`, region),
      requestTags(SCRATCH_TAGS),
    ],
    ['restoreObtainCredentials', 'rds:ModifyDBInstance', rdsArn.instance(SCRATCH_ID, region), SCRATCH],
    ['restoreObtainCredentials', 'rds:ModifyDBCluster', rdsArn.cluster(SCRATCH_ID, region), SCRATCH],
    [
      'restoreMarkSnapshotVerified',
      'rds:AddTagsToResource',
      rdsArn.snapshot(SNAP, region),
      { ...MANAGED, ...requestTags({ 'lifeboat:verified': '2026-11-24T11:00:00.000Z' }) },
    ],
    [
      'restoreMarkSnapshotVerified',
      'rds:AddTagsToResource',
      rdsArn.clusterSnapshot(SNAP, region),
      { ...MANAGED, ...requestTags({ 'lifeboat:verified': '2026-11-24T11:00:00.000Z' }) },
    ],
    ['restoreDeleteScratch', 'rds:DeleteDBInstance', rdsArn.instance(SCRATCH_ID, region), SCRATCH],
    ['restoreDeleteScratch', 'rds:DeleteDBInstance', rdsArn.instance(`${SCRATCH_ID}-1`, region), SCRATCH],
    ['restoreDeleteScratch', 'rds:DeleteDBCluster', rdsArn.cluster(SCRATCH_ID, region), SCRATCH],
  ]),
  [
    'restoreStartRestore',
    'rds:RestoreDBInstanceToPointInTime',
    rdsArn.instance('orders'),
    requestTags(SCRATCH_TAGS),
  ],
  [
    'restoreStartRestore',
    'rds:RestoreDBInstanceToPointInTime',
    rdsArn.instance(SCRATCH_ID),
    requestTags(SCRATCH_TAGS),
  ],
  [
    'restoreStartRestore',
    'rds:RestoreDBClusterToPointInTime',
    rdsArn.cluster('ledger'),
    requestTags(SCRATCH_TAGS),
  ],
  [
    'restoreStartRestore',
    'rds:RestoreDBClusterToPointInTime',
    rdsArn.cluster(SCRATCH_ID),
    requestTags(SCRATCH_TAGS),
  ],
  ['restoreResolveSnapshot', 'sts:AssumeRole', drRoleArn(DR_ACCOUNT, dr)],
  // A point in time at the pointInTime target: its restore window there, and a restore from the
  // replicated automated backups into a scratch instance there.
  ['restoreResolveSnapshot', 'rds:DescribeDBInstanceAutomatedBackups', AUTO_BACKUP],
  // At a DR site, ValidateInput finds a database by its replicated automated backups.
  ['restoreValidateInput', 'rds:DescribeDBInstanceAutomatedBackups', AUTO_BACKUP],
  ['restoreStartRestore', 'rds:RestoreDBInstanceToPointInTime', AUTO_BACKUP, requestTags(SCRATCH_TAGS)],
  [
    'restoreStartRestore',
    'rds:RestoreDBInstanceToPointInTime',
    rdsArn.instance(SCRATCH_ID, dr),
    requestTags(SCRATCH_TAGS),
  ],
  // Validating an AWS Backup restore test: the job and its plan's selections, VALIDATING, the
  // restored database's password, then the result (DescribeRestoreJob and PutRestoreValidationResult
  // have no resource type: authorized on "*").
  ['restoreValidateInput', 'backup:DescribeRestoreJob', '*'],
  ['restoreValidateInput', 'backup:ListRestoreTestingSelections', PLAN],
  ['restoreStartValidation', 'backup:PutRestoreValidationResult', '*'],
  ['restoreStartValidation', 'backup:DescribeRestoreJob', '*'],
  ['restoreStartValidation', 'rds:DescribeDBInstances', rdsArn.instance(RESTORED)],
  ['restoreObtainCredentials', 'rds:ModifyDBInstance', rdsArn.instance(RESTORED), RESTORE_TEST],
  ['restoreObtainCredentials', 'rds:ModifyDBCluster', rdsArn.cluster(RESTORED), RESTORE_TEST],
  ['restorePlanFingerprints', 'rds:DescribeDBClusters', rdsArn.cluster(RESTORED)],
  ['restoreReportValidationResult', 'backup:PutRestoreValidationResult', '*'],
  ['restoreReportValidationResult', 'backup:DescribeRestoreJob', '*'],
];

/** Calls near the allowed ones that no role may make. */
const DENIED: Row[] = [
  // Replication of another account's or region's instance, or by another function.
  [
    'monitor',
    'rds:StartDBInstanceAutomatedBackupsReplication',
    rdsArn.instance('orders', HOME.region, '333333333333'),
  ],
  ['monitor', 'rds:StartDBInstanceAutomatedBackupsReplication', rdsArn.instance('orders', 'ap-southeast-2')],
  ['copy', 'rds:StartDBInstanceAutomatedBackupsReplication', rdsArn.instance('orders')],
  ['monitor', 'rds:StopDBInstanceAutomatedBackupsReplication', rdsArn.instance('orders')],
  ['monitor', 'rds:DeleteDBInstanceAutomatedBackup', AUTO_BACKUP],
  // ValidateInput only reads the replicated backups: it neither restores from nor deletes them.
  ['restoreValidateInput', 'rds:RestoreDBInstanceToPointInTime', AUTO_BACKUP, requestTags(SCRATCH_TAGS)],
  ['restoreValidateInput', 'rds:DeleteDBInstanceAutomatedBackup', AUTO_BACKUP],
  // A grant on the replica key for anything but an AWS service, or on another key.
  ['monitor', 'kms:CreateGrant', REPLICA_KEY],
  ['monitor', 'kms:CreateGrant', REPLICA_KEY, { 'kms:GrantIsForAWSResource': 'false' }],
  [
    'monitor',
    'kms:CreateGrant',
    `arn:aws:kms:${dr}:${HOME.account}:key/99999999-0000-0000-0000-000000000000`,
    FOR_RDS,
  ],
  ['monitor', 'kms:Decrypt', REPLICA_KEY],
  // Another account's replicated backups, or a point in time restored to a name that is not scratch.
  [
    'restoreStartRestore',
    'rds:RestoreDBInstanceToPointInTime',
    `arn:aws:rds:${dr}:333333333333:auto-backup:ab-orders`,
    requestTags(SCRATCH_TAGS),
  ],
  // The runbooks function reads and writes runbooks/ only: no report, state or record is written or
  // deleted, no snapshot deleted, tagged, shared or restored, no DR-account role assumed.
  ['runbooks', 's3:PutObject', `${REPORTS_BUCKET}/reports/orders/20261124T094500Z.json`],
  ['runbooks', 's3:PutObject', `${REPORTS_BUCKET}/state/monitor.json`],
  ['runbooks', 's3:PutObject', `${REPORTS_BUCKET}/failovers/orders/2026-11-24T10:00:00.000Z.json`],
  ['runbooks', 's3:PutObject', `${REPORTS_BUCKET}/runbooksX/orders.md`],
  ['runbooks', 's3:DeleteObject', `${REPORTS_BUCKET}/runbooks/orders.md`],
  ['runbooks', 's3:DeleteObject', `${REPORTS_BUCKET}/reports/orders/20261124T094500Z.json`],
  ['runbooks', 's3:PutBucketPolicy', REPORTS_BUCKET],
  ['runbooks', 's3:GetObject', `${REPORTS_BUCKET}/state/monitor.json`],
  ['runbooks', 's3:ListBucket', REPORTS_BUCKET, { 's3:prefix': 'state/' }],
  ['runbooks', 'rds:DeleteDBSnapshot', rdsArn.snapshot(SNAP), MANAGED],
  ['runbooks', 'rds:DeleteDBClusterSnapshot', rdsArn.clusterSnapshot(SNAP), MANAGED],
  ['runbooks', 'rds:ModifyDBSnapshotAttribute', rdsArn.snapshot(SNAP), MANAGED],
  ['runbooks', 'rds:AddTagsToResource', rdsArn.snapshot(SNAP), MANAGED],
  ['runbooks', 'rds:RestoreDBInstanceFromDBSnapshot', rdsArn.snapshot(SNAP), MANAGED],
  ['runbooks', 'rds:DeleteDBInstance', rdsArn.instance(SCRATCH_ID), SCRATCH],
  ['runbooks', 'sts:AssumeRole', drRoleArn(DR_ACCOUNT, dr)],
  ['runbooks', 'sns:Publish', `arn:aws:sns:${HOME.region}:${HOME.account}:lifeboat-topic`],
];

const functionIds = resourcesOfType(template, 'AWS::Lambda::Function').map(([id]) => id);
const roleIds = resourcesOfType(template, 'AWS::IAM::Role').map(([id]) => id);
const roles: Record<string, ResolvedRole> = Object.fromEntries(
  roleIds.map((id) => [id, resolvedRole(template, id)]),
);
const roleOf = (fn: string) => {
  const id = functionIds.find((f) => f.toLowerCase() === `${fn}LambdaFunction`.toLowerCase());
  if (!id) throw new Error(`no function ${fn} in the packaged template`);
  return roles[roleOfFunction(template, id)]!;
};

/** The role of the row's function asked for the row's call. */
function decideRow([fn, action, resource, context]: Row) {
  // A key policy or a DR trust policy that allows this account: the role's own policies decide.
  const trustedByResource = action.startsWith('kms:') || action.startsWith('sts:');
  return decide(roleOf(fn), { action, resource, ...(context ? { context } : {}) }, { trustedByResource });
}
const labelled = (rows: Row[]) => rows.map((row) => [`${row[0]}: ${row[1]} on ${row[2]}`, row] as const);

describe('packaged roles: every call the code makes is allowed', () => {
  it.each(labelled(ALLOWED))('%s', async (_, row) => {
    const decision = await decideRow(row);
    expect(decision.error).toBeUndefined();
    expect(decision.result).toBe('Allowed');
  });
});

describe('packaged roles: calls near the allowed ones are refused', () => {
  it.each(labelled(DENIED))('%s', async (_, row) => {
    const decision = await decideRow(row);
    expect(decision.error).toBeUndefined();
    expect(decision.result).not.toBe('Allowed');
  });
});

/**
 * The exception IAM cannot close: tags given at creation are authorized on the new resource, which
 * has no tags yet, exactly like an existing resource without tags. So a role that creates tagged
 * snapshots (copies, scratch) may also give those tags to one that exists untagged under a
 * Lifeboat name (`lifeboat-*`, `lbs-*`), in a region it creates in. The README says so: those
 * prefixes are Lifeboat's.
 */
const TAG_ON_CREATE: Array<{ fn: string; kinds: Owned['kind'][]; regions: string[] }> = [
  { fn: 'snapshot', kinds: ['snapshot', 'cluster-snapshot'], regions: [HOME.region] },
  { fn: 'copy', kinds: ['snapshot', 'cluster-snapshot'], regions: REGIONS },
  { fn: 'restoreStartRestore', kinds: ['db', 'cluster'], regions: REGIONS },
];

function isTagOnCreate(roleId: string, probe: ReturnType<typeof denialProbes>[number]): boolean {
  return TAG_ON_CREATE.some(
    (e) =>
      roleOf(e.fn).logicalId === roleId &&
      probe.what === 'tag' &&
      probe.target.case === 'Lifeboat name, no tags' &&
      e.kinds.includes(probe.target.kind) &&
      probe.target.account === HOME.account &&
      e.regions.includes(probe.target.region),
  );
}

describe('packaged roles: nothing Lifeboat does not own can be deleted, shared, tagged or modified', () => {
  const probes = denialProbes({
    accounts: [HOME.account, DR_ACCOUNT, '333333333333'],
    regions: REGIONS,
    otherRegion: 'ap-southeast-2',
  });

  it('covers every role of the template', () => {
    expect(Object.keys(roles).length).toBeGreaterThan(15);
    expect(probes.length).toBeGreaterThan(100);
  });

  it.each(roleIds)('%s refuses every probe (but tags on creation of its own kind)', async (roleId) => {
    const allowed: string[] = [];
    for (const probe of probes) {
      const decision = await decide(roles[roleId]!, probe.request);
      expect(decision.error, probe.label).toBeUndefined();
      if (decision.result === 'Allowed' && !isTagOnCreate(roleId, probe)) allowed.push(probe.label);
    }
    expect(allowed).toEqual([]);
  });

  it('keeps the tag-on-create exception to what the creating roles really need', async () => {
    // Each listed exception is one in fact: else it would hide nothing and should go.
    for (const exception of TAG_ON_CREATE) {
      const role = roleOf(exception.fn);
      const used = probes.filter((p) => isTagOnCreate(role.logicalId, p));
      const results = await Promise.all(used.map((p) => decide(role, p.request)));
      expect(
        results.some((r) => r.result === 'Allowed'),
        exception.fn,
      ).toBe(true);
    }
  });
});

describe('packaged roles: a failover database is never deleted, changed, stopped or re-tagged', () => {
  // lifeboat failover runs with the operator's credentials and creates production in a DR region
  // or account; no Lifeboat role may then touch it, in any region or account, however it is tagged.
  const probes = failoverProbes({ accounts: [HOME.account, DR_ACCOUNT], regions: REGIONS });

  it.each(roleIds)('%s refuses every action on it', async (roleId) => {
    const allowed: string[] = [];
    for (const probe of probes) {
      const decision = await decide(roles[roleId]!, probe.request);
      expect(decision.error, probe.label).toBeUndefined();
      if (decision.result === 'Allowed') allowed.push(probe.label);
    }
    expect(probes.length).toBeGreaterThan(100);
    expect(allowed).toEqual([]);
  });

  it('would catch a role that may delete databases by tag alone', async () => {
    // The probe can fail: a policy allowing rds:DeleteDBInstance on tagged scratch databases of any
    // name is caught by the probe of a failover database a bug tagged scratch.
    const loose: ResolvedRole = {
      ...roleOf('monitor'),
      policies: [
        {
          name: 'loose',
          policy: {
            Statement: [
              {
                Effect: 'Allow',
                Action: 'rds:DeleteDBInstance',
                Resource: '*',
                Condition: { StringEquals: { 'aws:ResourceTag/lifeboat:scratch': 'true' } },
              },
            ],
          },
        },
      ],
    };
    const results = await Promise.all(probes.map((p) => decide(loose, p.request)));
    expect(results.filter((r) => r.result === 'Allowed').length).toBeGreaterThan(0);
  });
});

describe('packaged roles: the AWS Backup validator reads and reports, AWS Backup keeps the restored database', () => {
  const refused = async (
    roleId: string,
    action: string,
    resource: string,
    context: Record<string, string | string[]> = RESTORE_TEST,
  ) => {
    const decision = await decide(roles[roleId]!, { action, resource, context });
    expect(decision.error, `${action} on ${resource}`).toBeUndefined();
    return decision.result !== 'Allowed';
  };

  it.each(roleIds)('%s cannot delete, untag or re-tag what restore testing restored', async (roleId) => {
    for (const [action, resource, context] of [
      ['rds:DeleteDBInstance', rdsArn.instance(RESTORED), RESTORE_TEST],
      ['rds:DeleteDBCluster', rdsArn.cluster(RESTORED), RESTORE_TEST],
      ['rds:DeleteDBInstance', rdsArn.instance(`${RESTORED}-1`), RESTORE_TEST],
      // Without its tag AWS Backup cannot delete it; with Lifeboat's scratch tag Lifeboat could.
      ['rds:RemoveTagsFromResource', rdsArn.instance(RESTORED), RESTORE_TEST],
      [
        'rds:AddTagsToResource',
        rdsArn.instance(RESTORED),
        { ...RESTORE_TEST, ...requestTags({ 'lifeboat:scratch': 'true' }) },
      ],
      // Nor mark a database of its own as restore testing's, to reset its password.
      ['rds:AddTagsToResource', rdsArn.instance('orders'), requestTags({ 'awsbackup-restore-test': 'x' })],
    ] as const) {
      expect(await refused(roleId, action, resource, context), `${action} on ${resource}`).toBe(true);
    }
  });

  it.each(roleIds)('%s starts, changes or deletes nothing of AWS Backup', async (roleId) => {
    const recoveryPoint = `arn:aws:backup:${HOME.region}:${HOME.account}:recovery-point:awsbackup-job-3c5e7a91`;
    for (const [action, resource] of [
      ['backup:StartRestoreJob', recoveryPoint],
      ['backup:DeleteRecoveryPoint', recoveryPoint],
      ['backup:UpdateRecoveryPointLifecycle', recoveryPoint],
      ['backup:UpdateRestoreTestingSelection', PLAN],
      ['backup:DeleteRestoreTestingPlan', PLAN],
    ] as const) {
      expect(await refused(roleId, action, resource, {}), action).toBe(true);
    }
  });

  it('lets only ObtainCredentials modify the restored database, only with the tag, only here', async () => {
    const modifiers: string[] = [];
    for (const roleId of roleIds) {
      if (!(await refused(roleId, 'rds:ModifyDBInstance', rdsArn.instance(RESTORED)))) modifiers.push(roleId);
    }
    expect(modifiers).toEqual([roleOf('restoreObtainCredentials').logicalId]);
    const credentials = roleOf('restoreObtainCredentials').logicalId;
    // Named like restore testing's, but not tagged: someone's database.
    expect(await refused(credentials, 'rds:ModifyDBInstance', rdsArn.instance(RESTORED), {})).toBe(true);
    // Tagged, but in a DR region or another account: restore testing restores where its plan runs.
    expect(await refused(credentials, 'rds:ModifyDBInstance', rdsArn.instance(RESTORED, dr))).toBe(true);
    expect(
      await refused(
        credentials,
        'rds:ModifyDBInstance',
        `arn:aws:rds:${HOME.region}:${DR_ACCOUNT}:db:${RESTORED}`,
      ),
    ).toBe(true);
  });

  it('lets only StartValidation and ReportValidationResult report to AWS Backup', async () => {
    const reporters: string[] = [];
    for (const roleId of roleIds) {
      if (!(await refused(roleId, 'backup:PutRestoreValidationResult', '*', {}))) reporters.push(roleId);
    }
    expect(reporters.sort()).toEqual(
      [roleOf('restoreReportValidationResult').logicalId, roleOf('restoreStartValidation').logicalId].sort(),
    );
  });

  it('reads the selections of the plans the policy validates only', async () => {
    const validate = roleOf('restoreValidateInput').logicalId;
    expect(
      await refused(
        validate,
        'backup:ListRestoreTestingSelections',
        `arn:aws:backup:${HOME.region}:${HOME.account}:restore-testing-plan:monthly_ec2-1a2b3c4d`,
        {},
      ),
    ).toBe(true);
  });
});
