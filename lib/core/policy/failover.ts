import * as z from 'zod';

const InstanceClassSchema = z
  .string()
  .regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, { error: 'must be an RDS class such as db.r6g.large' });

// RDS names of subnet, parameter and option groups: letters, digits and hyphens (subnet groups
// also allow spaces, periods and underscores), a letter first for the latter two, at most 255.
const GroupNameSchema = (what: string) =>
  z
    .string()
    .min(1, { error: `must name a ${what}` })
    .max(255, { error: `must be at most 255 characters (an RDS ${what} name)` })
    .regex(/^[A-Za-z][\w .-]*$/, { error: `must be an RDS ${what} name (a letter first)` });

/** One Aurora instance to add to the restored cluster (RDS restores a cluster with none). */
export const FailoverInstanceSchema = z.strictObject({
  /** Defaults to the target's `instanceClass`. */
  instanceClass: InstanceClassSchema.optional(),
  /** DB parameter group of this instance (the cluster's own is `parameterGroup`). */
  parameterGroup: GroupNameSchema('DB parameter group').optional(),
  availabilityZone: z
    .string()
    .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/, { error: 'must be an availability zone such as eu-west-1a' })
    .optional(),
  /** Aurora failover priority, 0 (first) to 15. */
  promotionTier: z
    .number()
    .int({ error: 'must be a whole number from 0 to 15' })
    .min(0, { error: 'must be a whole number from 0 to 15' })
    .max(15, { error: 'must be a whole number from 0 to 15' })
    .optional(),
});

/**
 * How production is brought back at one copy target (`copies[].failover`) by `lifeboat failover`:
 * the settings a restore cannot take from the snapshot, since the source's own VPC, groups and
 * class live in the region that was lost. Deletion protection is always on, and never a setting.
 */
export const FailoverSettingsSchema = z.strictObject({
  instanceClass: InstanceClassSchema,
  subnetGroup: GroupNameSchema('DB subnet group').optional(),
  securityGroups: z
    .array(z.string().regex(/^sg-[0-9a-f]+$/, { error: 'must be a security group id (sg-...)' }))
    .max(5, { error: 'must list at most 5 security groups' })
    .default([]),
  /** DB parameter group of an instance, or DB cluster parameter group of an Aurora cluster. */
  parameterGroup: GroupNameSchema('parameter group').optional(),
  optionGroup: GroupNameSchema('option group').optional(),
  /** A standby in another zone (RDS instances; for Aurora list two `instances` instead). */
  multiAz: z.boolean({ error: 'must be true or false' }).default(false),
  /** Aurora only: the instances to create in the restored cluster; one by default. */
  instances: z
    .array(FailoverInstanceSchema)
    .min(1, { error: 'must list at least one instance: an Aurora cluster without one serves nothing' })
    .max(16, {
      error: 'must list at most 16 instances (an Aurora cluster has 1 writer and up to 15 readers)',
    })
    .optional(),
});

export type FailoverSettings = z.infer<typeof FailoverSettingsSchema>;
export type FailoverInstance = z.infer<typeof FailoverInstanceSchema>;
