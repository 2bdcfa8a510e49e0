import * as z from '../validation.js';
import type { SourceKind } from '../model.js';

/*
 * Point-in-time recovery in a DR region: RDS replicates an instance's automated backups (snapshots
 * and transaction logs) to another region of the same account, where it can be restored to any
 * second of the replicated window, minutes behind the source
 * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReplicateBackups.html).
 * StartDBInstanceAutomatedBackupsReplication names no account and applies to DB instances only
 * (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_StartDBInstanceAutomatedBackupsReplication.html),
 * so a DR-account target and an Aurora cluster are refused, each with what to use instead.
 */

/** The replicated backups are encrypted under a key of the destination region, given as its ARN. */
const ReplicaKeySchema = z.string().check(
  z.regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/.+$/, {
    error:
      "must be the ARN of a KMS key (arn:aws:kms:<region>:<account>:key/...): RDS takes the replicated backups' key as an ARN in the destination region",
  }),
);

export const PointInTimeSchema = z.strictObject({
  /** Days of replicated backups RDS keeps in the target region: the point-in-time window there. */
  retentionDays: z
    .number({ error: 'must be a whole number of days from 1 to 35' })
    .check(
      z.int({ error: 'must be a whole number of days from 1 to 35' }),
      z.minimum(1, { error: 'must be at least 1 day' }),
      z.maximum(35, { error: 'must be at most 35 days, the longest RDS keeps automated backups' }),
    ),
  /** The key for the replicated backups; the target's `kmsKeyId` when that is a key ARN. */
  kmsKeyId: z.optional(ReplicaKeySchema),
});

export type PointInTimePolicy = z.infer<typeof PointInTimeSchema>;

/**
 * How many days of automated backups every protected database should keep at least. Checked by the
 * monitor's posture checks, not enforced: Lifeboat does not modify the teams' databases.
 */
export const MinimumBackupRetentionSchema = z._default(
  z
    .number({ error: 'must be a whole number of days from 1 to 35' })
    .check(
      z.int({ error: 'must be a whole number of days from 1 to 35' }),
      z.minimum(1, { error: 'must be at least 1 day: 0 turns automated backups off' }),
      z.maximum(35, { error: 'must be at most 35 days, the longest RDS keeps automated backups' }),
    ),
  7,
);

const CROSS_ACCOUNT =
  'cannot be used with account: RDS replicates automated backups only to another region of the same account. ' +
  'Add a copy target in the DR region without account, with pointInTime, for minutes of RPO there; ' +
  "the DR account's RPO stays the copy interval (the policy's schedule)";

export const AURORA_INSTEAD =
  'Aurora clusters cannot replicate automated backups to another region; their DR RPO with Lifeboat is the copy interval ' +
  '(the policy schedule). For less, use an Aurora global database or a cross-region Aurora read replica ' +
  '(not managed by Lifeboat)';

interface TargetWithPointInTime {
  region: string;
  account?: string | undefined;
  kmsKeyId: string;
  pointInTime?: PointInTimePolicy | undefined;
}

const regionOfArn = (arn: string) => arn.split(':')[3];

/**
 * The problems of one copy target's `pointInTime`, as paths under the target and messages. Called
 * from CopyTargetSchema's refinement so they are reported with every other problem of the file.
 */
export function pointInTimeProblems(
  target: TargetWithPointInTime,
): Array<{ path: string[]; message: string }> {
  const pointInTime = target.pointInTime;
  if (!pointInTime) return [];
  if (target.account) return [{ path: ['pointInTime'], message: CROSS_ACCOUNT }];
  const key = pointInTime.kmsKeyId ?? target.kmsKeyId;
  if (!ReplicaKeySchema.safeParse(key).success) {
    return [
      {
        path: ['pointInTime', 'kmsKeyId'],
        message: `is required: the target's kmsKeyId (${key}) is not a key ARN, and RDS takes the replicated backups' key only as one`,
      },
    ];
  }
  if (regionOfArn(key) !== target.region) {
    return [
      {
        path: ['pointInTime', pointInTime.kmsKeyId ? 'kmsKeyId' : ''].filter(Boolean),
        message: `the key ${key} is in ${regionOfArn(key)}, but must be one in ${target.region}, where the backups are replicated: KMS keys are regional`,
      },
    ];
  }
  return [];
}

/** The key RDS is given for the replicated backups of a target whose pointInTime is valid. */
export function replicaKeyOf(target: TargetWithPointInTime & { pointInTime: PointInTimePolicy }): string {
  return target.pointInTime.kmsKeyId ?? target.kmsKeyId;
}

/**
 * Why a database cannot have its backups replicated for `pointInTime`, or undefined when it can.
 * A policy selects by tags, so whether it selects an Aurora cluster is known only at run time; the
 * monitor reports this once per cluster instead of failing the whole policy.
 */
export function pointInTimeRefusal(kind: SourceKind): string | undefined {
  return kind === 'cluster' ? AURORA_INSTEAD : undefined;
}
