/**
 * The reports bucket of a DR site: a fixed name, so that the primary's templates can replicate its
 * reports there without a value copied between two stacks (`drSites[].bucket` overrides it).
 * At most 63 characters for S3; checked at package time (deploy/config.cjs).
 */
export function drSiteBucketName(stage: string, account: string, region: string): string {
  return `lifeboat-${stage}-reports-${account}-${region}`;
}

/**
 * The role S3 replicates the primary's reports with, named so that a DR site's bucket policy can
 * trust it by name before or after it exists (the primary's stage and region in it: role names are
 * global to an account).
 */
export function reportsReplicationRoleName(stage: string, region: string): string {
  return `lifeboat-${stage}-reports-replication-${region}`;
}

/** The KMS alias of a DR site's reports key, which replicated reports are encrypted under there. */
export function drSiteReportsKeyAlias(stage: string): string {
  return `alias/lifeboat-${stage}-reports`;
}
