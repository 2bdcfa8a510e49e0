import { z } from 'zod';

const count = (what: string) =>
  z
    .number({ error: `must be a whole number of ${what}` })
    .int({ error: `must be a whole number of ${what}` })
    .min(0, { error: 'must be 0 or more' })
    .max(1000, { error: 'must be at most 1000' });

/** How many snapshots to keep per period, grandfather-father-son. 0 turns a period off. */
export const RetentionSchema = z.strictObject({
  daily: count('days').default(7),
  weekly: count('ISO weeks').default(4),
  monthly: count('months').default(12),
  yearly: count('years').default(0),
});

// EventBridge accepts cron() with six fields and rate(); checking the shape here means a typo fails
// `npm run package`, not CloudFormation halfway through a deploy.
const ScheduleSchema = z
  .string()
  .regex(/^(cron\((\S+\s+){5}\S+\)|rate\(\d+\s+(minute|minutes|hour|hours|day|days)\))$/, {
    error: 'must be an EventBridge expression such as "cron(0 */6 * * ? *)" or "rate(6 hours)"',
  });

const TimezoneSchema = z.string().refine(
  (zone) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  },
  { error: 'must be an IANA time zone such as "Europe/Berlin"' },
);

const RegionSchema = z
  .string()
  .regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, { error: 'must be an AWS region such as "eu-west-1"' });

const AccountSchema = z.string().regex(/^\d{12}$/, { error: 'must be a 12-digit AWS account id, quoted' });

const KmsKeySchema = z
  .string()
  .regex(/^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/.+|alias\/.+|[0-9a-f-]{36})$/, {
    error: 'must be a KMS key ARN, key id or alias',
  })
  .refine((key) => !/alias\/aws\/rds$/.test(key), {
    error: 'must be a customer-managed key: the default aws/rds key cannot be used in another account',
  });

export const CopyTargetSchema = z
  .strictObject({
    region: RegionSchema,
    account: AccountSchema.optional(),
    kmsKeyId: KmsKeySchema,
    /** Role in the DR account that Lifeboat assumes to copy the shared snapshot there. */
    roleArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, { error: 'must be an IAM role ARN' })
      .optional(),
    /** sts:ExternalId the DR role's trust policy asks for (deploy/dr-account-role.yml ExternalId). */
    externalId: z
      .string()
      .regex(/^[\w+=,.@:/-]{2,1224}$/, {
        error: 'must be 2 to 1224 letters, digits or +=,.@:/-_ (what STS accepts)',
      })
      .optional(),
    /**
     * A customer-managed key in the source region that the DR account may use. A snapshot under
     * aws/rds cannot be shared, so it is first re-encrypted with this key.
     */
    shareKmsKeyId: KmsKeySchema.optional(),
    retention: RetentionSchema.optional(),
  })
  .superRefine((target, ctx) => {
    if (target.account && !target.shareKmsKeyId) {
      ctx.addIssue({
        code: 'custom',
        path: ['shareKmsKeyId'],
        message: 'is required when account is set: a key in the source region the DR account may use',
      });
    }
    for (const key of ['roleArn', 'externalId'] as const) {
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
  });

const TableNameSchema = z
  .string()
  .regex(/^[^.\s]+\.[^.\s]+$/, { error: 'must be "schema.table" (for MySQL "database.table")' });

export const VerifySchema = z.strictObject({
  schedule: ScheduleSchema.optional(),
  timezone: TimezoneSchema.optional(),
  instanceClass: z
    .string()
    .regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, { error: 'must be an RDS class such as db.t4g.medium' }),
  subnetGroup: z.string().min(1).optional(),
  securityGroupIds: z
    .array(z.string().regex(/^sg-[0-9a-f]+$/, { error: 'must be a security group id (sg-...)' }))
    .default([]),
  /**
   * Not read any more; accepted so existing policy files stay valid. A restore brings back the
   * master password as of the snapshot, not the secret's current (rotated) one, so restore-verify
   * always sets a fresh master password on the scratch instance.
   */
  secretArn: z.string().startsWith('arn:', { error: 'must be a Secrets Manager secret ARN' }).optional(),
  databases: z.array(z.string().min(1)).min(1, { error: 'must name at least one database' }),
  exclude: z.array(TableNameSchema).default([]),
  /**
   * TLS to the scratch instance: `verify-full` checks its certificate against the RDS certificate
   * authorities; `require` only encrypts (for a region whose authority is newer than that bundle).
   */
  tls: z.enum(['verify-full', 'require']).default('verify-full'),
  rowCountTolerancePercent: z.number().min(0).max(100).default(5),
  expectations: z
    .array(z.strictObject({ table: TableNameSchema, minRows: z.number().int().min(0) }))
    .default([]),
  /** Tables that only ever grow: compared with the source as of the snapshot time. */
  appendOnly: z.array(TableNameSchema).default([]),
});

export const PolicySchema = z.strictObject({
  select: z.strictObject({
    tags: z.record(z.string().min(1), z.string()).refine((tags) => Object.keys(tags).length > 0, {
      error: 'must name at least one tag: an empty selector would select every database',
    }),
  }),
  schedule: ScheduleSchema,
  timezone: TimezoneSchema.optional(),
  rpoMinutes: z.number().int().positive({ error: 'must be a positive number of minutes' }),
  rtoMinutes: z.number().int().positive({ error: 'must be a positive number of minutes' }),
  retention: RetentionSchema,
  /** What to do with an unencrypted source: encrypt its copies, or refuse to copy it. */
  unencryptedSources: z.enum(['encrypt', 'refuse']).default('encrypt'),
  copies: z.array(CopyTargetSchema).default([]),
  verify: VerifySchema.optional(),
});

const PolicyNameSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,30}$/, {
  error: 'policy names are lower-case letters, digits and "-", at most 31',
});

export const PolicyFileSchema = z.strictObject({
  policies: z
    .record(PolicyNameSchema, PolicySchema)
    .refine((policies) => Object.keys(policies).length > 0, { error: 'must define at least one policy' }),
});

export type Retention = z.infer<typeof RetentionSchema>;
export type CopyTargetPolicy = z.infer<typeof CopyTargetSchema>;
export type VerifyPolicy = z.infer<typeof VerifySchema>;
export type Policy = z.infer<typeof PolicySchema>;
export type PolicyFile = z.infer<typeof PolicyFileSchema>;
