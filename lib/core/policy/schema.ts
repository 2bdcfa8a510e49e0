import * as z from '../validation.js';
import { parseTableKey } from '../fingerprint/tables.js';
import { AwsBackupSchema, checkAwsBackupPolicies } from './aws-backup.js';
import { FailoverSettingsSchema } from './failover.js';
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
import { MinimumBackupRetentionSchema, PointInTimeSchema, pointInTimeProblems } from './point-in-time.js';
import { CopyVerifySchema, DrSitesSchema, SiteSchema, siteFileProblems } from './site.js';

const count = (what: string) =>
  z
    .number({ error: `must be a whole number of ${what}` })
    .check(
      z.int({ error: `must be a whole number of ${what}` }),
      z.minimum(0, { error: 'must be 0 or more' }),
      z.maximum(1000, { error: 'must be at most 1000' }),
    );

/** How many snapshots to keep per period, grandfather-father-son. 0 turns a period off. */
export const RetentionSchema = z.strictObject({
  daily: z._default(count('days'), 7),
  weekly: z._default(count('ISO weeks'), 4),
  monthly: z._default(count('months'), 12),
  yearly: z._default(count('years'), 0),
});

const KmsKeySchema = z.string().check(
  z.regex(/^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/.+|alias\/.+|[0-9a-f-]{36})$/, {
    error: 'must be a KMS key ARN, key id or alias',
  }),
  z.refine((key) => !/alias\/aws\/rds$/.test(key), {
    error: 'must be a customer-managed key: the default aws/rds key cannot be used in another account',
  }),
);

export const CopyTargetSchema = z
  .strictObject({
    region: RegionSchema,
    account: z.optional(AccountSchema),
    kmsKeyId: KmsKeySchema,
    /** Role in the DR account that Lifeboat assumes to copy the shared snapshot there. */
    roleArn: z.optional(
      z
        .string()
        .check(z.regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, { error: 'must be an IAM role ARN' })),
    ),
    /** sts:ExternalId the DR role's trust policy asks for (deploy/dr-account-role.yml ExternalId). */
    externalId: z.optional(
      z.string().check(
        z.regex(/^[\w+=,.@:/-]{2,1224}$/, {
          error: 'must be 2 to 1224 letters, digits or +=,.@:/-_ (what STS accepts)',
        }),
      ),
    ),
    /**
     * A customer-managed key in the source region that the DR account may use. A snapshot under
     * aws/rds cannot be shared, so it is first re-encrypted with this key.
     */
    shareKmsKeyId: z.optional(KmsKeySchema),
    /**
     * A customer-managed key of the Lifeboat account in the target's region that the DR account
     * may use. Aurora copies a cluster snapshot across regions and accounts only in two steps, so
     * for a DR account in another region a cluster snapshot is first copied into that region under
     * this key (KMS keys are regional), and shared there. Required then (lib/core/policy/home-region.ts).
     */
    targetShareKmsKeyId: z.optional(KmsKeySchema),
    retention: z.optional(RetentionSchema),
    /** Replicate the instances' automated backups here for point-in-time restores (point-in-time.ts). */
    pointInTime: z.optional(PointInTimeSchema),
    /** How the DR site holding this target's copies restores them (lib/core/policy/site.ts). */
    verify: z.optional(CopyVerifySchema),
    /** How `lifeboat failover` restores production here (lib/core/policy/failover.ts). */
    failover: z.optional(FailoverSettingsSchema),
  })
  .check(
    z.superRefine((target, ctx) => {
      for (const { path, message } of pointInTimeProblems(target))
        ctx.addIssue({ code: 'custom', path, message });
      const keyRegion = target.targetShareKmsKeyId?.startsWith('arn:')
        ? target.targetShareKmsKeyId.split(':')[3]
        : undefined;
      if (keyRegion !== undefined && keyRegion !== target.region) {
        ctx.addIssue({
          code: 'custom',
          path: ['targetShareKmsKeyId'],
          message: `is a key in ${keyRegion}, but must be one in ${target.region}, the target's region: KMS keys are regional`,
        });
      }
      if (target.account && !target.shareKmsKeyId) {
        ctx.addIssue({
          code: 'custom',
          path: ['shareKmsKeyId'],
          message: 'is required when account is set: a key in the source region the DR account may use',
        });
      }
      for (const key of ['roleArn', 'externalId', 'targetShareKmsKeyId'] as const) {
        if (target[key] && !target.account) {
          ctx.addIssue({ code: 'custom', path: [key], message: 'only makes sense with account' });
        }
      }
      if (target.account && target.roleArn && !target.roleArn.includes(`::${target.account}:`)) {
        ctx.addIssue({
          code: 'custom',
          path: ['roleArn'],
          message: `must be a role in account ${target.account}`,
        });
      }
    }),
  );

/** A table key (fingerprint/tables.ts), read once here so a typo fails the policy, not the run. */
const TableNameSchema = z.string().check(
  z.superRefine((key, ctx) => {
    try {
      parseTableKey(key);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
    }
  }),
);

export const VerifySchema = z.strictObject({
  schedule: z.optional(ScheduleSchema),
  timezone: z.optional(TimezoneSchema),
  instanceClass: InstanceClassSchema,
  subnetGroup: z.optional(SubnetGroupNameSchema),
  securityGroupIds: z._default(z.array(SecurityGroupIdSchema), []),
  /**
   * Not read any more; accepted so existing policy files stay valid. A restore brings back the
   * master password as of the snapshot, not the secret's current (rotated) one, so restore-verify
   * always sets a fresh master password on the scratch instance.
   */
  secretArn: z.optional(
    z.string().check(z.startsWith('arn:', { error: 'must be a Secrets Manager secret ARN' })),
  ),
  databases: z
    .array(z.string().check(z.minLength(1)))
    .check(z.minLength(1, { error: 'must name at least one database' })),
  exclude: z._default(z.array(TableNameSchema), []),
  tls: z._default(TlsSchema, 'verify-full'),
  rowCountTolerancePercent: z._default(z.number().check(z.minimum(0), z.maximum(100)), 5),
  expectations: z._default(
    z.array(z.strictObject({ table: TableNameSchema, minRows: z.number().check(z.int(), z.minimum(0)) })),
    [],
  ),
  /** Tables that only ever grow: compared with the source as of the snapshot time. */
  appendOnly: z._default(z.array(TableNameSchema), []),
});

/*
 * What to do with the copies of an unencrypted source. RDS encrypts a DB snapshot's copy under the
 * given key, but refuses a KmsKeyId for an unencrypted DB cluster snapshot ("If you copy an
 * unencrypted DB cluster snapshot and specify a value for the KmsKeyId parameter, an error is
 * returned", https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CopyDBClusterSnapshot.html).
 * Short of a restore there is no way to encrypt it: Aurora cannot encrypt an existing cluster, only
 * restore an unencrypted snapshot into a new cluster under a KMS key
 * (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Overview.Encryption.html,
 * "Limitations of Amazon Aurora encrypted DB clusters"). So a cluster's copies are refused, or made
 * unencrypted where the policy says so; `encrypt` for clusters is refused here, at package time.
 */
const UNENCRYPTED_FORMS =
  'must be "encrypt", "refuse", or { instances: encrypt | refuse, clusters: refuse | copy-unencrypted }';

export const UnencryptedSourcesSchema = z._default(
  z
    .union(
      [
        z.enum(['encrypt', 'refuse']),
        z.strictObject({
          instances: z._default(z.enum(['encrypt', 'refuse']), 'encrypt'),
          clusters: z._default(z.enum(['refuse', 'copy-unencrypted', 'encrypt']), 'refuse'),
        }),
      ],
      { error: UNENCRYPTED_FORMS },
    )
    .check(
      z.superRefine((value, ctx) => {
        if (typeof value === 'object' && value.clusters === 'encrypt') {
          ctx.addIssue({
            code: 'custom',
            path: ['clusters'],
            message:
              'cannot be "encrypt": RDS cannot encrypt a copy of an unencrypted Aurora cluster snapshot. ' +
              'Choose "refuse" or "copy-unencrypted", or encrypt the cluster itself (restore a snapshot of it ' +
              'into a new cluster with a KMS key and move to that cluster)',
          });
        }
      }),
    ),
  'encrypt',
);

export type UnencryptedSources = z.infer<typeof UnencryptedSourcesSchema>;

/**
 * What happens to the copies of an unencrypted snapshot of this kind. `encrypt` alone means: encrypt
 * instance snapshots' copies; refuse clusters' (with what to do), since RDS cannot encrypt those.
 */
export function unencryptedRule(
  setting: UnencryptedSources,
  kind: 'instance' | 'cluster',
): 'encrypt' | 'refuse' | 'copy-unencrypted' | 'cannot-encrypt' {
  if (setting === 'refuse') return 'refuse';
  if (setting === 'encrypt') return kind === 'instance' ? 'encrypt' : 'cannot-encrypt';
  const chosen = kind === 'instance' ? setting.instances : setting.clusters;
  return kind === 'cluster' && chosen === 'encrypt' ? 'cannot-encrypt' : chosen;
}

/**
 * Objectives beyond these are typos, not objectives, and they would turn off what the minutes
 * drive: an RPO breach alert that never comes, a scratch instance whose expiry (RTO plus a grace)
 * is years away.
 */
export const MAX_RPO_MINUTES = 31 * 24 * 60;
export const MAX_RTO_MINUTES = 7 * 24 * 60;

const minutes = (max: number, why: string) =>
  z
    .number({ error: 'must be a positive number of minutes' })
    .check(
      z.int({ error: 'must be a whole number of minutes' }),
      z.positive({ error: 'must be a positive number of minutes' }),
      z.maximum(max, { error: `must be at most ${max} (${why})` }),
    );

export const PolicySchema = z.strictObject({
  select: z.strictObject({
    tags: z.record(z.string().check(z.minLength(1)), z.string()).check(
      z.refine((tags) => Object.keys(tags).length > 0, {
        error: 'must name at least one tag: an empty selector would select every database',
      }),
    ),
  }),
  schedule: ScheduleSchema,
  timezone: z.optional(TimezoneSchema),
  rpoMinutes: minutes(MAX_RPO_MINUTES, '31 days: a monthly schedule'),
  rtoMinutes: minutes(MAX_RTO_MINUTES, '7 days: a scratch instance lives this long when orphaned'),
  retention: RetentionSchema,
  unencryptedSources: UnencryptedSourcesSchema,
  copies: z._default(z.array(CopyTargetSchema), []),
  verify: z.optional(VerifySchema),
  minimumBackupRetentionDays: MinimumBackupRetentionSchema,
  /** AWS Backup restore tests Lifeboat validates (lib/core/policy/aws-backup.ts). */
  awsBackup: z.optional(AwsBackupSchema),
});

// Names that are members of every JavaScript object: a policy called so would be found by any
// plain-object lookup of a name that is not a policy at all.
const RESERVED_POLICY_NAMES = new Set(
  Object.getOwnPropertyNames(Object.prototype).map((name) => name.toLowerCase()),
);

export const PolicyNameSchema = z.string().check(
  z.regex(/^[a-z0-9][a-z0-9-]{0,30}$/, {
    error: 'policy names are lower-case letters, digits and "-", at most 31',
  }),
  z.refine((name) => !RESERVED_POLICY_NAMES.has(name), {
    error: 'is a reserved word (a member of every JavaScript object): choose another policy name',
  }),
);

export const PolicyFileSchema = z
  .strictObject({
    /** Present in a DR site's own policy file only: the primary whose copies it guards. */
    site: z.optional(SiteSchema),
    /** The primary's DR sites, whose reports buckets receive its reports by S3 replication. */
    drSites: z.optional(DrSitesSchema),
    policies: z.record(PolicyNameSchema, PolicySchema).check(
      z.refine((policies) => Object.keys(policies).length > 0, {
        error: 'must define at least one policy',
      }),
    ),
  })
  .check(
    z.superRefine((file, ctx) => {
      for (const problem of siteFileProblems(file)) ctx.addIssue({ code: 'custom', ...problem });
      checkAwsBackupPolicies(file, ctx);
    }),
  );

export type Retention = z.infer<typeof RetentionSchema>;
export type CopyTargetPolicy = z.infer<typeof CopyTargetSchema>;
export type VerifyPolicy = z.infer<typeof VerifySchema>;
export type Policy = z.infer<typeof PolicySchema>;
export type PolicyFile = z.infer<typeof PolicyFileSchema>;
