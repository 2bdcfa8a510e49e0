import * as z from '../validation.js';

// EventBridge accepts cron() with six fields and rate(); checking the shape here means a typo fails
// `npm run package`, not CloudFormation halfway through a deploy.
export const ScheduleSchema = z.string().check(
  z.regex(/^(cron\((\S+\s+){5}\S+\)|rate\(\d+\s+(minute|minutes|hour|hours|day|days)\))$/, {
    error: 'must be an EventBridge expression such as "cron(0 */6 * * ? *)" or "rate(6 hours)"',
  }),
);

export const TimezoneSchema = z.string().check(
  z.refine(
    (zone) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    },
    { error: 'must be an IANA time zone such as "Europe/Berlin"' },
  ),
);

export const RegionSchema = z
  .string()
  .check(
    z.regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, { error: 'must be an AWS region such as "eu-west-1"' }),
  );

export const AccountSchema = z
  .string()
  .check(z.regex(/^\d{12}$/, { error: 'must be a 12-digit AWS account id, quoted' }));

// RDS DB subnet group names: up to 255 letters, digits, spaces, periods, underscores and hyphens
// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBSubnetGroup.html).
export const SubnetGroupNameSchema = z.string().check(
  z.regex(/^[a-zA-Z0-9 ._-]{1,255}$/, {
    error: 'must be a DB subnet group name (up to 255 letters, digits, spaces, ".", "_", "-")',
  }),
);

export const InstanceClassSchema = z
  .string()
  .check(z.regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, { error: 'must be an RDS class such as db.t4g.medium' }));

export const SecurityGroupIdSchema = z
  .string()
  .check(z.regex(/^sg-[0-9a-f]+$/, { error: 'must be a security group id (sg-...)' }));

/**
 * TLS to the scratch instance: `verify-full` checks its certificate against the RDS certificate
 * authorities; `require` only encrypts (for a region whose authority is newer than that bundle).
 */
export const TlsSchema = z.enum(['verify-full', 'require']);
