import * as z from '../validation.js';
import { InvalidInputError } from '../errors.js';
import type { SourceKind } from '../model.js';
import { formatIssues } from '../policy/parse.js';

/*
 * AWS Backup's "Restore Job State Change" event, as EventBridge delivers it (source aws.backup):
 * https://docs.aws.amazon.com/aws-backup/latest/devguide/eventbridge.html (restore job events) and
 * the rule restore testing validation listens with, status COMPLETED and restoreTestingPlanArn
 * (https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing-validation.html).
 * Restore jobs report `status`, not `state` (the page says so: "consistent with the AWS Backup API").
 */
export const RESTORE_JOB_DETAIL_TYPE = 'Restore Job State Change';

/** The resource types of restore jobs Lifeboat validates (the job's `resourceType`), and their kind. */
export const VALIDATED_RESOURCE_TYPES = { RDS: 'instance', Aurora: 'cluster' } as const satisfies Record<
  string,
  SourceKind
>;
export type ValidatedResourceType = keyof typeof VALIDATED_RESOURCE_TYPES;

/** The tag restore testing puts on what it restores, and deletes by after the validation window. */
export const RESTORE_TEST_TAG = 'awsbackup-restore-test';

/** Restore testing tags what it restores; the tag's presence is the mark, whatever its value. */
export function isRestoreTest(tags: Record<string, string>): boolean {
  return Object.hasOwn(tags, RESTORE_TEST_TAG);
}

const ACCOUNT = /^\d{12}$/;
// arn:<partition>:backup:<region>:<account>:restore-testing-plan:<name>[-<id>]; a plan name is
// letters, digits and "_" only, so the first "-" ends it.
const PLAN_ARN =
  /^arn:aws[a-z-]*:backup:([a-z0-9-]+):(\d{12}):restore-testing-plan:([A-Za-z0-9_]{1,50})(-[^:]*)?$/;
// arn:<partition>:rds:<region>:<account>:db|cluster:<identifier>
const DATABASE_ARN = /^arn:aws[a-z-]*:rds:([a-z0-9-]+):(\d{12}):(db|cluster):([a-zA-Z][a-zA-Z0-9-]{0,62})$/;

const arn = (pattern: RegExp, what: string) =>
  z.string().check(z.regex(pattern, { error: `must be ${what}` }));
const instant = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time' });

// Not strict on keys: the shape is AWS's, which adds fields (isParent, parentJobId came in 2025).
// Strict on every field Lifeboat reads, so that a malformed event is refused with its name.
export const RestoreJobEventSchema = z.object({
  source: z.literal('aws.backup', { error: 'must be "aws.backup"' }),
  'detail-type': z.literal(RESTORE_JOB_DETAIL_TYPE, { error: `must be "${RESTORE_JOB_DETAIL_TYPE}"` }),
  account: z.string().check(z.regex(ACCOUNT, { error: 'must be the 12-digit account the event is from' })),
  region: z
    .string()
    .check(z.regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, { error: 'must be an AWS region' })),
  time: z.optional(instant),
  detail: z.object({
    restoreJobId: z
      .string()
      .check(z.regex(/^[A-Za-z0-9-]{1,100}$/, { error: 'must be the restore job id AWS Backup gave' })),
    status: z.literal('COMPLETED', {
      error: 'must be COMPLETED: only a finished restore has something to validate',
    }),
    resourceType: z.enum(Object.keys(VALIDATED_RESOURCE_TYPES) as [ValidatedResourceType], {
      error: 'must be RDS or Aurora: Lifeboat fingerprints RDS instances and Aurora clusters',
    }),
    restoreTestingPlanArn: arn(PLAN_ARN, 'the ARN of the restore testing plan that started the job'),
    createdResourceArn: arn(DATABASE_ARN, 'the ARN of the restored RDS instance or Aurora cluster'),
    sourceResourceArn: arn(DATABASE_ARN, 'the ARN of the backed-up RDS instance or Aurora cluster'),
    recoveryPointArn: z.string().check(z.startsWith('arn:', { error: 'must be the recovery point ARN' })),
    creationDate: z.optional(instant),
    completionDate: z.optional(instant),
  }),
});

export interface DatabaseRef {
  kind: SourceKind;
  id: string;
  arn: string;
  region: string;
  account: string;
}

/** A restore testing job to validate, as its event names it. */
export interface RestoreTestJob {
  restoreJobId: string;
  resourceType: ValidatedResourceType;
  plan: { name: string; arn: string };
  restored: DatabaseRef;
  source: DatabaseRef;
  recoveryPointArn: string;
  account: string;
  region: string;
  createdAt?: string;
  completedAt?: string;
}

export function databaseRef(value: string): DatabaseRef {
  const match = DATABASE_ARN.exec(value);
  if (!match) throw new InvalidInputError(`"${value}" is not the ARN of an RDS instance or Aurora cluster`);
  const [, region, account, type, id] = match;
  return {
    kind: type === 'cluster' ? 'cluster' : 'instance',
    id: id!,
    arn: value,
    region: region!,
    account: account!,
  };
}

export function planNameOf(planArn: string): string {
  const name = PLAN_ARN.exec(planArn)?.[3];
  if (!name) throw new InvalidInputError(`"${planArn}" is not a restore testing plan ARN`);
  return name;
}

/** Is this execution input an AWS Backup event (then it is parsed as one, whatever else it holds)? */
export function isAwsBackupEvent(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && (value as { source?: unknown }).source === 'aws.backup'
  );
}

/**
 * Parses a restore job event strictly. A restore job is about one account and region, and so is
 * this deployment: an event (or a restored resource) elsewhere is refused before anything is read.
 * The source database may be in another account, as restore testing is best run in an account of
 * its own: it is only named, to find its baseline.
 */
export function parseRestoreJobEvent(
  value: unknown,
  here: { account?: string; region: string },
): RestoreTestJob {
  const parsed = RestoreJobEventSchema.safeParse(value);
  if (!parsed.success) {
    throw new InvalidInputError(
      `AWS Backup restore job event is invalid, nothing done:\n${formatIssues(parsed.error.issues)}`,
    );
  }
  const { account, region, detail } = parsed.data;
  const restored = databaseRef(detail.createdResourceArn);
  const planMatch = PLAN_ARN.exec(detail.restoreTestingPlanArn)!;
  const elsewhere = [
    ...(account !== here.account && here.account !== undefined
      ? [`the event is from account ${account}`]
      : []),
    ...(region !== here.region ? [`the event is from ${region}`] : []),
    ...(restored.account !== account || restored.region !== region
      ? [`the restored resource ${restored.arn} is not in the event's account and region`]
      : []),
    ...(planMatch[1] !== region || planMatch[2] !== account
      ? [`the plan ${detail.restoreTestingPlanArn} is not in the event's account and region`]
      : []),
  ];
  if (elsewhere.length > 0) {
    throw new InvalidInputError(
      `AWS Backup restore job event refused, nothing done: this deployment validates restore tests of account ${here.account ?? '(unknown)'} in ${here.region} only; ${elsewhere.join('; ')}`,
    );
  }
  const expectedKind = VALIDATED_RESOURCE_TYPES[detail.resourceType];
  if (restored.kind !== expectedKind) {
    throw new InvalidInputError(
      `AWS Backup restore job event is invalid, nothing done: a ${detail.resourceType} job restores ${expectedKind === 'cluster' ? 'an Aurora cluster' : 'a DB instance'}, but createdResourceArn is ${restored.arn}`,
    );
  }
  return {
    restoreJobId: detail.restoreJobId,
    resourceType: detail.resourceType,
    plan: { name: planMatch[3]!, arn: detail.restoreTestingPlanArn },
    restored,
    source: databaseRef(detail.sourceResourceArn),
    recoveryPointArn: detail.recoveryPointArn,
    account,
    region,
    ...(detail.creationDate ? { createdAt: new Date(detail.creationDate).toISOString() } : {}),
    ...(detail.completionDate ? { completedAt: new Date(detail.completionDate).toISOString() } : {}),
  };
}
