import * as z from '../validation.js';

/*
 * Which AWS Backup restore tests Lifeboat validates, per policy. AWS Backup restores a recovery
 * point on the plan's schedule and leaves the data check to "a validation workflow" that reports
 * through PutRestoreValidationResult
 * (https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing-validation.html);
 * Lifeboat fingerprints the restored database with the policy's `verify` settings.
 */

// "The name must consist of only alphanumeric characters and underscores", at most 50
// (https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing.html, quotas).
const PlanNameSchema = z.string().check(
  z.regex(/^[A-Za-z0-9_]{1,50}$/, {
    error: 'must be a restore testing plan name: letters, digits and "_", at most 50',
  }),
);

// "1-256 characters ... letters, numbers, hyphens and underscores, must start with a letter or
// number, cannot end with a hyphen or underscore" (same page, RestoreTestingSelectionName).
const SelectionNameSchema = z.string().check(
  z.regex(/^[A-Za-z0-9]([A-Za-z0-9_-]{0,254}[A-Za-z0-9])?$/, {
    error:
      'must be a restore testing selection name: letters, digits, "-" and "_", starting and ending with a letter or digit',
  }),
);

export const RestoreTestingEntrySchema = z.strictObject({
  /** The restore testing plan whose RDS and Aurora jobs Lifeboat validates. */
  plan: PlanNameSchema,
  /** Only these selections of the plan; all of its RDS and Aurora selections when absent. */
  selections: z.optional(
    z
      .array(SelectionNameSchema)
      .check(z.minLength(1, { error: 'must name at least one selection, or be left out for all of them' })),
  ),
});

export const AwsBackupSchema = z.strictObject({
  restoreTesting: z
    .array(RestoreTestingEntrySchema)
    .check(z.minLength(1, { error: 'must name at least one restore testing plan' })),
});

export type AwsBackupPolicy = z.infer<typeof AwsBackupSchema>;
export type RestoreTestingEntry = z.infer<typeof RestoreTestingEntrySchema>;

/**
 * Checks across policies, for PolicyFileSchema: a policy that validates restore tests needs the
 * `verify` settings that say what to fingerprint, and a plan belongs to one policy only (its jobs
 * name the plan, so two policies would both claim them).
 */
export function checkAwsBackupPolicies(
  file: { policies: Record<string, { verify?: unknown; awsBackup?: AwsBackupPolicy | undefined }> },
  ctx: { addIssue(issue: { code: 'custom'; path: PropertyKey[]; message: string }): void },
): void {
  const owners = new Map<string, string>();
  for (const [name, policy] of Object.entries(file.policies)) {
    if (!policy.awsBackup) continue;
    if (!policy.verify) {
      ctx.addIssue({
        code: 'custom',
        path: ['policies', name, 'awsBackup'],
        message: 'needs a verify section: its databases, exclude and expectations say what to fingerprint',
      });
    }
    policy.awsBackup.restoreTesting.forEach((entry, index) => {
      const owner = owners.get(entry.plan);
      if (owner !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['policies', name, 'awsBackup', 'restoreTesting', index, 'plan'],
          message: `restore testing plan "${entry.plan}" is already validated by ${owner === name ? 'another entry of this policy' : `policy "${owner}"`}`,
        });
      }
      owners.set(entry.plan, name);
    });
  }
}

/** The policy that validates a restore testing plan's jobs, and its entry, if any does. */
export function policyValidatingPlan(
  file: { policies: Record<string, { awsBackup?: AwsBackupPolicy | undefined }> },
  plan: string,
): { policy: string; entry: RestoreTestingEntry } | undefined {
  for (const [policy, settings] of Object.entries(file.policies)) {
    const entry = settings.awsBackup?.restoreTesting.find((e) => e.plan === plan);
    if (entry) return { policy, entry };
  }
  return undefined;
}
