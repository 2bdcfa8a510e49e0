import * as z from '../validation.js';
import {
  AccountSchema,
  InstanceClassSchema,
  RegionSchema,
  ScheduleSchema,
  SecurityGroupIdSchema,
  SubnetGroupNameSchema,
  TimezoneSchema,
  TlsSchema,
} from './fields.js';
import type { CopyTargetPolicy, Policy, PolicyFile, VerifyPolicy } from './schema.js';

/*
 * A DR site is Lifeboat deployed in a DR region or DR account with a policy file of its own, whose
 * `site` section names the primary. It takes no snapshots and copies nothing: it verifies and
 * monitors the copies the primary made into its region (and account), with its own roles, topic and
 * reports bucket, so that it keeps working while the primary is unreachable. This module holds the
 * policy file's parts for it; schema.ts only places them.
 */

/** The top-level `site` section of a DR site's policy file. */
export const SiteSchema = z.strictObject({
  kind: z.literal('dr', { error: 'must be "dr" (a DR site; the primary has no site section)' }),
  /** The Lifeboat deployment whose copies this site guards. */
  primary: z.strictObject({ account: AccountSchema, region: RegionSchema }),
  /** The region this DR site runs in (and is packaged for when `--region` is not given). */
  region: RegionSchema,
  /** The account this DR site runs in, when it is not the primary's (a DR account). */
  account: z.optional(AccountSchema),
});

/** One DR site of the primary (its policy file's `drSites`), which receives its reports. */
export const DrSiteRefSchema = z.strictObject({
  account: AccountSchema,
  region: RegionSchema,
  /** The DR site's reports bucket; default lifeboat-<stage>-reports-<account>-<region>. */
  bucket: z.optional(
    z.string().check(
      z.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
        error: 'must be an S3 bucket name (3 to 63 a-z, 0-9, ".", "-")',
      }),
    ),
  ),
});

export const DrSitesSchema = z.array(DrSiteRefSchema);

/**
 * How the DR site restores the copies of one target. The policy's own `verify` settings name the
 * primary region's subnet group and security groups, which belong to another VPC (and region): RDS
 * refuses them there. So a DR target has its own network settings, and never inherits the policy's.
 */
export const CopyVerifySchema = z
  .strictObject({
    subnetGroup: z.optional(SubnetGroupNameSchema),
    securityGroups: z._default(
      z.array(SecurityGroupIdSchema).check(
        z.refine((groups) => new Set(groups).size === groups.length, {
          error: 'must not name a group twice',
        }),
      ),
      [],
    ),
    /** Default: the policy's verify.instanceClass. */
    instanceClass: z.optional(InstanceClassSchema),
    /** Default: the policy's verify.tls. */
    tls: z.optional(TlsSchema),
    /** When the DR site verifies this target's copies; default: the policy's verify.schedule. */
    schedule: z.optional(ScheduleSchema),
    timezone: z.optional(TimezoneSchema),
  })
  .check(
    z.superRefine((verify, ctx) => {
      if (verify.subnetGroup === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['subnetGroup'],
          message:
            "is required: a DB subnet group in the target's region (and account) for the scratch instance; " +
            "the policy's verify.subnetGroup is in the primary's VPC, which RDS refuses there",
        });
      }
      if (verify.timezone !== undefined && verify.schedule === undefined) {
        ctx.addIssue({ code: 'custom', path: ['timezone'], message: 'only makes sense with schedule' });
      }
    }),
  );

export type Site = z.infer<typeof SiteSchema>;
export type DrSiteRef = z.infer<typeof DrSiteRefSchema>;
export type CopyVerify = z.infer<typeof CopyVerifySchema>;

interface Problem {
  path: Array<string | number>;
  message: string;
}

/** What the schema alone cannot say about one file's site settings: each problem with its key. */
export function siteFileProblems(file: Pick<PolicyFile, 'site' | 'drSites' | 'policies'>): Problem[] {
  const problems: Problem[] = [];
  for (const [name, policy] of Object.entries(file.policies)) {
    policy.copies.forEach((target, index) => {
      if (target.verify && !policy.verify) {
        problems.push({
          path: ['policies', name, 'copies', index, 'verify'],
          message: "needs the policy's verify section, which names the databases to fingerprint",
        });
      }
    });
  }
  if (file.site && file.drSites) {
    problems.push({
      path: ['drSites'],
      message: "belongs in the primary's policy file; this one has a site section (a DR site)",
    });
  }
  const copies = Object.values(file.policies).flatMap((policy) => policy.copies);
  const seen = new Set<string>();
  (file.drSites ?? []).forEach((site, index) => {
    const label = `${site.account}/${site.region}`;
    if (seen.has(label)) {
      problems.push({ path: ['drSites', index], message: `names ${label} twice` });
    }
    seen.add(label);
    // A target without account is in the primary's own account, which the file does not name.
    if (!copies.some((c) => c.region === site.region && (c.account ?? site.account) === site.account)) {
      problems.push({
        path: ['drSites', index],
        message: `no policy copies to ${site.region} (account ${site.account}): a DR site there holds no copy to verify`,
      });
    }
  });
  return problems;
}

export function isDrSite(file: Pick<PolicyFile, 'site'>): file is PolicyFile & { site: Site } {
  return file.site?.kind === 'dr';
}

/** The account a DR site runs in. */
export function siteAccount(site: Site): string {
  return site.account ?? site.primary.account;
}

/** The copy target of a policy whose copies a DR site in `region` holds, with its index. */
export function siteTargetOf(
  site: Site,
  policy: Pick<Policy, 'copies'>,
  region: string,
): { index: number; target: CopyTargetPolicy } | undefined {
  const account = siteAccount(site);
  const index = policy.copies.findIndex(
    (c) => c.region === region && (c.account ?? site.primary.account) === account,
  );
  return index < 0 ? undefined : { index, target: policy.copies[index]! };
}

/** The restore-verify target name of a copy target: "<region>" or "<account>/<region>". */
export function targetNameOf(target: Pick<CopyTargetPolicy, 'region' | 'account'>): string {
  return target.account ? `${target.account}/${target.region}` : target.region;
}

/**
 * The verify settings a restore at a DR target uses: the policy's (databases, exclusions,
 * expectations, tolerance) with the target's network, class, tls and schedule. The network settings
 * are the target's only: the policy's subnet group and security groups are the primary's.
 */
export function verifyAtTarget(verify: VerifyPolicy, target: Pick<CopyTargetPolicy, 'verify'>): VerifyPolicy {
  const own = target.verify;
  const { subnetGroup: _primarySubnetGroup, ...shared } = verify;
  return {
    ...shared,
    securityGroupIds: own?.securityGroups ?? [],
    ...(own?.subnetGroup ? { subnetGroup: own.subnetGroup } : {}),
    instanceClass: own?.instanceClass ?? verify.instanceClass,
    tls: own?.tls ?? verify.tls,
    ...(own?.schedule ? { schedule: own.schedule, ...(own.timezone ? { timezone: own.timezone } : {}) } : {}),
  };
}

/**
 * What cannot work for a DR site deployed in `region`, which the schema does not know: every
 * policy must copy to it (it guards nothing else), and a policy that is verified needs the
 * target's own verify settings. Checked at package time (deploy/config.cjs) and at Lambda start.
 */
export function siteProblems(file: PolicyFile & { site: Site }, region: string): string[] {
  const { site } = file;
  const account = siteAccount(site);
  if (site.primary.region === region && account === site.primary.account) {
    return [
      `site.primary: is ${account}/${region}, where this DR site is deployed: a DR site runs in another region or account`,
    ];
  }
  const problems: string[] = [];
  if (site.region !== region) {
    problems.push(`site.region: is ${site.region}, but this DR site is deployed in ${region}`);
  }
  for (const [name, policy] of Object.entries(file.policies)) {
    const found = siteTargetOf(site, policy, region);
    if (!found) {
      problems.push(
        `policies.${name}.copies: has no target in ${region} of account ${account}, this DR site: ` +
          'a DR site guards the copies it holds; drop the policy from its file or add the target',
      );
      continue;
    }
    if (policy.verify && !found.target.verify) {
      problems.push(
        `policies.${name}.copies.${found.index}.verify: is required at the DR site (subnetGroup, securityGroups): ` +
          "the policy's verify network settings belong to the primary's VPC",
      );
    }
  }
  return problems;
}
