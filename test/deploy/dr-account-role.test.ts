import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { drRoleArn, drRoleName } from '../../lib/core/naming/dr-role.js';
import {
  decide,
  DR_ACCOUNT,
  HOME,
  loadYamlTemplate,
  mayAssume,
  rdsArn,
  requestTags,
  resolvedRole,
  resourceTags,
  type ResolvedRole,
} from '../support/iam.js';
import { denialProbes, failoverProbes } from '../support/iam-probes.js';
import { loadTemplate } from '../support/template.js';

const TEMPLATE = 'deploy/dr-account-role.yml';
const template = loadYamlTemplate(TEMPLATE);
const REGION = 'eu-west-1';
const SHARE_KEY = `arn:aws:kms:${HOME.region}:${HOME.account}:key/66666666-7777-8888-9999-000000000000`;
const parameters = { LifeboatAccountId: HOME.account, LifeboatStage: 'dev', SourceShareKeyArns: [SHARE_KEY] };
const at = (region: string, extra: Record<string, string> = {}) =>
  resolvedRole(template, 'CopyRole', {
    deployment: { partition: 'aws', account: DR_ACCOUNT, region },
    parameters: { ...parameters, ...extra },
  });
const role = at(REGION);

// The Lifeboat functions' roles, as the packaged template names them in the Lifeboat account.
const lifeboat = loadTemplate();
const lifeboatRole = (logicalId: string) => resolvedRole(lifeboat, logicalId);

const SNAP = 'lifeboat-orders-20261124t0945';
const COPY = `${SNAP}-${REGION}-${DR_ACCOUNT}`;
const COPY_TAGS = {
  'lifeboat:managed': 'true',
  'lifeboat:policy': 'gold',
  'lifeboat:tier': 'dr-account',
  'lifeboat:source': 'orders',
  'lifeboat:source-arn': rdsArn.instance('orders'),
  'lifeboat:scheduled-at': '2026-11-24T09:45:00.000Z',
  'lifeboat:copy-of': rdsArn.snapshot(`${SNAP}-share-${DR_ACCOUNT}`),
  'lifeboat:origin': SNAP,
  'lifeboat:target': `${REGION}/${DR_ACCOUNT}`,
};
const PRE_CHANGE_COPY_TAGS = {
  ...COPY_TAGS,
  'lifeboat:reason': 'migration 42: add index',
  'lifeboat:keep-until': '2026-12-01T09:45:12.000Z',
};
const MANAGED = resourceTags({ 'lifeboat:managed': 'true' });

async function allowed(r: ResolvedRole, action: string, resource: string, context = {}) {
  // In the Lifeboat account, its key policy (the template's header) and the snapshot's share allow
  // this account: the role's own policy decides.
  const trustedByResource = resource.split(':')[4] !== DR_ACCOUNT;
  const decision = await decide(r, { action, resource, context }, { trustedByResource });
  expect(decision.error).toBeUndefined();
  return decision.result === 'Allowed';
}

describe('DR account template (deploy/dr-account-role.yml)', () => {
  it('passes cfn-lint', () => {
    expect(() => execFileSync('cfn-lint', [TEMPLATE], { stdio: 'pipe' })).not.toThrow();
  });

  it('names its role per region as the code does, so one account can hold several DR regions', () => {
    expect(role.arn).toBe(drRoleArn(DR_ACCOUNT, REGION));
    expect(at('eu-central-1').arn).toBe(drRoleArn(DR_ACCOUNT, 'eu-central-1'));
    expect(drRoleName('eu-central-1')).not.toBe(drRoleName(REGION));
  });

  it('is assumable by the copy, prune, monitor and snapshot-resolving functions of that Lifeboat account, by name', async () => {
    for (const id of [
      'CopyIamRoleLambdaExecution',
      'PruneIamRoleLambdaExecution',
      'MonitorIamRoleLambdaExecution',
      'RestoreResolveSnapshotIamRoleLambdaExecution',
    ]) {
      const caller = lifeboatRole(id);
      const decision = await mayAssume(role, caller.arn, {}, caller.policies);
      expect(decision.error, id).toBeUndefined();
      expect(decision.result, id).toBe('Allowed');
    }
  });

  it('refuses other roles of that account, the same names in another account, and another stage', async () => {
    const copy = lifeboatRole('CopyIamRoleLambdaExecution');
    const everything = [
      { name: 'all', policy: { Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] } },
    ];
    const callers = [
      lifeboatRole('SnapshotIamRoleLambdaExecution').arn,
      lifeboatRole('RestoreStartRestoreIamRoleLambdaExecution').arn,
      `arn:aws:iam::${HOME.account}:role/admin`,
      copy.arn.replace(HOME.account, '333333333333'),
      copy.arn.replace('lifeboat-dev-', 'lifeboat-prod-'),
    ];
    for (const caller of callers) {
      expect((await mayAssume(role, caller, {}, everything)).result, caller).not.toBe('Allowed');
    }
  });

  it('asks for the external id when one is set', async () => {
    const withId = at(REGION, { ExternalId: 'lifeboat-prod' });
    const copy = lifeboatRole('CopyIamRoleLambdaExecution');
    expect((await mayAssume(withId, copy.arn, {}, copy.policies)).result).not.toBe('Allowed');
    expect(
      (await mayAssume(withId, copy.arn, { 'sts:ExternalId': 'lifeboat-prod' }, copy.policies)).result,
    ).toBe('Allowed');
  });

  it('allows every call Lifeboat makes through it', async () => {
    const share = rdsArn.snapshot(`${SNAP}-share-${DR_ACCOUNT}`);
    const copy = rdsArn.snapshot(COPY, REGION, DR_ACCOUNT);
    const clusterCopy = rdsArn.clusterSnapshot(COPY, REGION, DR_ACCOUNT);
    const rows: Array<[string, string, Record<string, string | string[]>]> = [
      ['rds:CopyDBSnapshot', share, MANAGED],
      ['rds:CopyDBSnapshot', copy, requestTags(COPY_TAGS)],
      ['rds:AddTagsToResource', copy, requestTags(COPY_TAGS)],
      ['rds:CopyDBClusterSnapshot', rdsArn.clusterSnapshot(`${SNAP}-share-${DR_ACCOUNT}`), MANAGED],
      ['rds:CopyDBClusterSnapshot', clusterCopy, requestTags(COPY_TAGS)],
      ['rds:AddTagsToResource', clusterCopy, requestTags(COPY_TAGS)],
      // A pre-change snapshot's copy carries its reason and keep-until.
      ['rds:CopyDBSnapshot', copy, requestTags(PRE_CHANGE_COPY_TAGS)],
      ['rds:AddTagsToResource', clusterCopy, requestTags(PRE_CHANGE_COPY_TAGS)],
      ['rds:DeleteDBSnapshot', copy, MANAGED],
      ['rds:DeleteDBClusterSnapshot', clusterCopy, MANAGED],
      ['rds:DescribeDBSnapshots', copy, {}],
      ['rds:ListTagsForResource', copy, {}],
      ['rds:DescribeAccountAttributes', '*', {}],
      [
        'rds:AddTagsToResource',
        copy,
        { ...MANAGED, ...requestTags({ 'lifeboat:failure-announced': '2026-11-24T11:00:00.000Z' }) },
      ],
    ];
    const refused: string[] = [];
    for (const [action, resource, context] of rows) {
      if (!(await allowed(role, action, resource, context))) refused.push(`${action} ${resource}`);
    }
    expect(refused).toEqual([]);
  });

  it('refuses to delete, share, tag or modify anything Lifeboat does not own, in any region or account', async () => {
    const probes = denialProbes({
      accounts: [DR_ACCOUNT, HOME.account, '333333333333'],
      regions: [REGION],
      otherRegion: 'us-west-2',
    });
    const wrongly: string[] = [];
    for (const probe of probes) {
      const decision = await decide(role, probe.request);
      expect(decision.error, probe.label).toBeUndefined();
      // Tags given at creation look like tags on an untagged snapshot of a Lifeboat name (see
      // test/deploy/iam-matrix.test.ts): the copy's own keys only, in this region only.
      const tagOnCreate =
        probe.what === 'tag' &&
        probe.target.case === 'Lifeboat name, no tags' &&
        probe.target.kind.endsWith('snapshot') &&
        probe.target.account === DR_ACCOUNT &&
        probe.target.region === REGION;
      if (decision.result === 'Allowed' && !tagOnCreate) wrongly.push(probe.label);
    }
    expect(probes.length).toBeGreaterThan(40);
    expect(wrongly).toEqual([]);
  });

  it('cannot delete, change, stop or re-tag a failover database in the DR account (or anywhere)', async () => {
    const probes = failoverProbes({ accounts: [DR_ACCOUNT, HOME.account], regions: [REGION, HOME.region] });
    const wrongly: string[] = [];
    for (const probe of probes) {
      const decision = await decide(role, probe.request);
      expect(decision.error, probe.label).toBeUndefined();
      if (decision.result === 'Allowed') wrongly.push(probe.label);
    }
    expect(probes.length).toBeGreaterThan(100);
    expect(wrongly).toEqual([]);
  });

  it('lets the role hand the keys to RDS only, never use them directly', async () => {
    expect(await allowed(role, 'kms:Decrypt', SHARE_KEY)).toBe(false);
    expect(
      await allowed(role, 'kms:Decrypt', SHARE_KEY, { 'kms:ViaService': `rds.${REGION}.amazonaws.com` }),
    ).toBe(true);
    expect(await allowed(role, 'kms:CreateGrant', SHARE_KEY)).toBe(false);
    expect(await allowed(role, 'kms:CreateGrant', SHARE_KEY, { 'kms:GrantIsForAWSResource': 'true' })).toBe(
      true,
    );
  });
});
