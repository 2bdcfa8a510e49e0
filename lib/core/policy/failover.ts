import * as z from '../validation.js';
import { InstanceClassSchema, SecurityGroupIdSchema, SubnetGroupNameSchema } from './fields.js';

// RDS names of parameter and option groups: a letter first, then letters, digits and hyphens, at
// most 255 (subnet groups have their own rule, SubnetGroupNameSchema).
const GroupNameSchema = (what: string) =>
  z
    .string()
    .check(
      z.minLength(1, { error: `must name a ${what}` }),
      z.maxLength(255, { error: `must be at most 255 characters (an RDS ${what} name)` }),
      z.regex(/^[A-Za-z][\w .-]*$/, { error: `must be an RDS ${what} name (a letter first)` }),
    );

/** One Aurora instance to add to the restored cluster (RDS restores a cluster with none). */
export const FailoverInstanceSchema = z.strictObject({
  /** Defaults to the target's `instanceClass`. */
  instanceClass: z.optional(InstanceClassSchema),
  /** DB parameter group of this instance (the cluster's own is `parameterGroup`). */
  parameterGroup: z.optional(GroupNameSchema('DB parameter group')),
  availabilityZone: z.optional(
    z.string().check(
      z.regex(/^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/, {
        error: 'must be an availability zone such as eu-west-1a',
      }),
    ),
  ),
  /** Aurora failover priority, 0 (first) to 15. */
  promotionTier: z.optional(
    z
      .number()
      .check(
        z.int({ error: 'must be a whole number from 0 to 15' }),
        z.minimum(0, { error: 'must be a whole number from 0 to 15' }),
        z.maximum(15, { error: 'must be a whole number from 0 to 15' }),
      ),
  ),
});

/**
 * How production is brought back at one copy target (`copies[].failover`) by `lifeboat failover`:
 * the settings a restore cannot take from the snapshot, since the source's own VPC, groups and
 * class live in the region that was lost. Deletion protection is always on, and never a setting.
 */
export const FailoverSettingsSchema = z.strictObject({
  instanceClass: InstanceClassSchema,
  subnetGroup: z.optional(SubnetGroupNameSchema),
  securityGroups: z._default(
    z.array(SecurityGroupIdSchema).check(z.maxLength(5, { error: 'must list at most 5 security groups' })),
    [],
  ),
  /** DB parameter group of an instance, or DB cluster parameter group of an Aurora cluster. */
  parameterGroup: z.optional(GroupNameSchema('parameter group')),
  optionGroup: z.optional(GroupNameSchema('option group')),
  /** A standby in another zone (RDS instances; for Aurora list two `instances` instead). */
  multiAz: z._default(z.boolean({ error: 'must be true or false' }), false),
  /** Aurora only: the instances to create in the restored cluster; one by default. */
  instances: z.optional(
    z.array(FailoverInstanceSchema).check(
      z.minLength(1, {
        error: 'must list at least one instance: an Aurora cluster without one serves nothing',
      }),
      z.maxLength(16, {
        error: 'must list at most 16 instances (an Aurora cluster has 1 writer and up to 15 readers)',
      }),
    ),
  ),
});

export type FailoverSettings = z.infer<typeof FailoverSettingsSchema>;
export type FailoverInstance = z.infer<typeof FailoverInstanceSchema>;
