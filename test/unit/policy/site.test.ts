import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lib/core/errors.js';
import { parsePolicyFile } from '../../../lib/core/policy/file.js';
import { checkHomeRegion } from '../../../lib/core/policy/home-region.js';
import { getPolicy } from '../../../lib/core/policy/parse.js';
import { isDrSite, siteTargetOf, verifyAtTarget } from '../../../lib/core/policy/site.js';

const drExample = readFileSync('lifeboat.dr.example.yml', 'utf8');
const primaryWithSites = readFileSync('test/fixtures/policies/primary-with-dr-sites.yml', 'utf8');

function refused(text: string, check = (file: ReturnType<typeof parsePolicyFile>) => file): string {
  try {
    check(parsePolicyFile(text, 'test.yml'));
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the policy file to be refused');
}

function drExampleWith(from: string, to: string): string {
  expect(drExample).toContain(from);
  return drExample.replace(from, to);
}

describe('a DR site policy file (lifeboat.dr.example.yml)', () => {
  it('is accepted with its site section and the target verify settings, defaults filled in', () => {
    const file = parsePolicyFile(drExample);
    const gold = getPolicy(file, 'gold');

    expect(isDrSite(file)).toBe(true);
    expect(file.site).toEqual({
      kind: 'dr',
      region: 'eu-west-1',
      primary: { account: '111111111111', region: 'us-east-1' },
      account: '222222222222',
    });
    expect(gold.copies[0]?.verify).toEqual({
      subnetGroup: 'lifeboat-dr-scratch',
      securityGroups: ['sg-0fedcba9876543210'],
      instanceClass: 'db.t4g.medium',
      tls: 'verify-full',
      schedule: 'cron(0 5 ? * SUN *)',
    });
    expect(() => checkHomeRegion(file, 'eu-west-1')).not.toThrow();
  });

  it("restores with the target's network, class and schedule, never the primary's subnet group or security groups", () => {
    const file = parsePolicyFile(
      drExampleWith(
        '          instanceClass: db.t4g.medium\n          tls: verify-full\n',
        '          tls: require\n',
      ),
    );
    if (!isDrSite(file)) throw new Error('expected a DR site');
    const gold = getPolicy(file, 'gold');
    const verify = verifyAtTarget(gold.verify!, siteTargetOf(file.site, gold, 'eu-west-1')!.target);

    expect(verify.subnetGroup).toBe('lifeboat-dr-scratch');
    expect(verify.securityGroupIds).toEqual(['sg-0fedcba9876543210']);
    expect(verify.instanceClass).toBe('db.t4g.medium'); // the policy's, as the target names none
    expect(verify.tls).toBe('require');
    expect(verify.schedule).toBe('cron(0 5 ? * SUN *)');
    expect(verify.databases).toEqual(['app']);
    expect(verify.exclude).toEqual(['public.audit_log']);
  });

  it.each([
    [
      'a site of another kind',
      'kind: dr',
      'kind: primary',
      'site.kind: must be "dr" (a DR site; the primary has no site section)',
    ],
    [
      'a primary account that is not 12 digits',
      "primary: { account: '111111111111'",
      "primary: { account: '1111'",
      'site.primary.account: must be a 12-digit AWS account id, quoted',
    ],
    [
      'a target verify without its subnet group',
      '          subnetGroup: lifeboat-dr-scratch\n',
      '',
      "policies.gold.copies.0.verify.subnetGroup: is required: a DB subnet group in the target's region",
    ],
    [
      'a target subnet group with a character RDS refuses',
      'subnetGroup: lifeboat-dr-scratch',
      'subnetGroup: "lifeboat/dr"',
      'policies.gold.copies.0.verify.subnetGroup: must be a DB subnet group name (up to 255 letters',
    ],
    [
      "the policy's own subnet group with a character RDS refuses, in the same words",
      '      subnetGroup: lifeboat-scratch',
      '      subnetGroup: "lifeboat:scratch"',
      'policies.gold.verify.subnetGroup: must be a DB subnet group name (up to 255 letters',
    ],
    [
      'a security group that is not an id',
      'securityGroups: [sg-0fedcba9876543210]',
      'securityGroups: [default]',
      'policies.gold.copies.0.verify.securityGroups.0: must be a security group id (sg-...)',
    ],
    [
      'a security group named twice',
      'securityGroups: [sg-0fedcba9876543210]',
      'securityGroups: [sg-0fedcba9876543210, sg-0fedcba9876543210]',
      'policies.gold.copies.0.verify.securityGroups: must not name a group twice',
    ],
    [
      'an instance class that is not one',
      '          instanceClass: db.t4g.medium\n          tls',
      '          instanceClass: t4g.medium\n          tls',
      'policies.gold.copies.0.verify.instanceClass: must be an RDS class such as db.t4g.medium',
    ],
    [
      'an unknown tls mode',
      'tls: verify-full',
      'tls: prefer',
      'policies.gold.copies.0.verify.tls: Invalid option',
    ],
    [
      'a schedule that is not EventBridge syntax',
      "schedule: 'cron(0 5 ? * SUN *)'",
      "schedule: 'every sunday'",
      'policies.gold.copies.0.verify.schedule: must be an EventBridge expression',
    ],
    [
      'a misspelt verify key',
      '          tls: verify-full\n',
      '          tls: verify-full\n          securityGroupIds: [sg-0fedcba9876543210]\n',
      'policies.gold.copies.0.verify: unknown key "securityGroupIds"',
    ],
  ])('refuses %s, naming the key', (_case, from, to, message) => {
    expect(refused(drExampleWith(from, to))).toContain(message);
  });

  it('refuses a target verify in a policy without a verify section, which names the databases', () => {
    const text = drExample.replace(/\n {4}verify:\n {6}schedule[\s\S]*$/, '\n');

    expect(refused(text)).toContain(
      "policies.gold.copies.0.verify: needs the policy's verify section, which names the databases to fingerprint",
    );
  });

  it('refuses drSites in a DR site file', () => {
    const text = drExample.replace(
      'policies:\n',
      "drSites: [{ account: '333333333333', region: eu-west-1 }]\npolicies:\n",
    );

    expect(refused(text)).toContain("drSites: belongs in the primary's policy file");
  });

  it('does not work from a region it holds no copies in, nor from the primary itself, and names why', () => {
    expect(refused(drExample, (file) => checkHomeRegion(file, 'eu-west-2'))).toContain(
      'policies.gold.copies: has no target in eu-west-2 of account 222222222222, this DR site',
    );
    expect(refused(drExample, (file) => checkHomeRegion(file, 'eu-west-2'))).toContain(
      'site.region: is eu-west-1, but this DR site is deployed in eu-west-2',
    );
    const sameAccount = drExample.replace(
      "  account: '222222222222' # this DR site's account",
      '  # no account',
    );
    expect(refused(sameAccount, (file) => checkHomeRegion(file, 'eu-west-1'))).toContain(
      'policies.gold.copies: has no target in eu-west-1 of account 111111111111',
    );
  });

  it("asks for the target's verify settings where the policy is verified", () => {
    const text = drExample.replace(/ {8}# How this site[\s\S]*?schedule: 'cron\(0 5 \? \* SUN \*\)'\n/, '');

    expect(text).not.toContain('lifeboat-dr-scratch');
    expect(refused(text, (file) => checkHomeRegion(file, 'eu-west-1'))).toContain(
      'policies.gold.copies.0.verify: is required at the DR site',
    );
  });
});

describe('drSites in the primary policy file', () => {
  it('lists the DR sites that receive the reports', () => {
    expect(parsePolicyFile(primaryWithSites).drSites).toEqual([
      { account: '222222222222', region: 'eu-west-1' },
      { account: '333333333333', region: 'eu-west-1', bucket: 'dr-reports-of-prod' },
    ]);
  });

  it.each([
    [
      'a DR site no policy copies to',
      "  - account: '333333333333'\n    region: eu-west-1\n",
      "  - account: '333333333333'\n    region: ap-south-1\n",
      'drSites.1: no policy copies to ap-south-1 (account 333333333333): a DR site there holds no copy to verify',
    ],
    [
      'a DR site named twice',
      "  - account: '333333333333'\n    region: eu-west-1\n    bucket: dr-reports-of-prod\n",
      "  - account: '222222222222'\n    region: eu-west-1\n",
      'drSites.1: names 222222222222/eu-west-1 twice',
    ],
    [
      'a bucket name S3 refuses',
      'bucket: dr-reports-of-prod',
      'bucket: DR_Reports',
      'drSites.1.bucket: must be an S3 bucket name',
    ],
  ])('refuses %s, naming the key', (_case, from, to, message) => {
    expect(primaryWithSites).toContain(from);
    expect(refused(primaryWithSites.replace(from, to))).toContain(message);
  });
});
