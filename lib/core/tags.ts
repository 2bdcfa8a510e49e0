/**
 * Tag keys Lifeboat writes on what it creates. Prune and cleanup act only on resources carrying
 * `lifeboat:managed=true` (snapshots) or `lifeboat:scratch=true` (scratch instances); the IAM
 * policies in serverless.yml hold the same condition, so a bug here is refused by AWS too.
 */
export const TAG = {
  managed: 'lifeboat:managed',
  policy: 'lifeboat:policy',
  source: 'lifeboat:source',
  sourceArn: 'lifeboat:source-arn',
  tier: 'lifeboat:tier',
  scheduledAt: 'lifeboat:scheduled-at',
  /** On a pre-change snapshot (and its copies): why an operator took it, e.g. "migration 42". */
  reason: 'lifeboat:reason',
  /** On a pre-change snapshot (and its copies): retention keeps it until this ISO time. */
  keepUntil: 'lifeboat:keep-until',
  copyOf: 'lifeboat:copy-of',
  /**
   * Prefix, on a snapshot Lifeboat took: `lifeboat:copy-announced:<target>` once its copy at that
   * target was announced as done, so the sweep does not announce it again on every pass.
   */
  copyAnnounced: 'lifeboat:copy-announced:',
  /**
   * On a copy: the id of the snapshot Lifeboat originally took. A DR-account copy is made from a
   * shareable copy, so copy-of names that one; restores of one origin must match exactly.
   */
  origin: 'lifeboat:origin',
  target: 'lifeboat:target',
  scratch: 'lifeboat:scratch',
  /** On a scratch instance: the snapshot it was restored from, so prune keeps that snapshot. */
  restoredFrom: 'lifeboat:restored-from',
  expiresAt: 'lifeboat:expires-at',
  execution: 'lifeboat:execution',
  /** On a snapshot: when a restore-verify of it passed (ISO time); prune keeps the newest verified. */
  verified: 'lifeboat:verified',
  /**
   * On a snapshot RDS failed to make: when prune first announced it (ISO time), so it is announced
   * once, and deleted a grace period after that.
   */
  failureAnnounced: 'lifeboat:failure-announced',
  /**
   * On a database `lifeboat failover` created: production now. No Lifeboat role may delete,
   * modify or stop it, and every guard refuses it, whatever other tags it gets.
   */
  failover: 'lifeboat:failover',
  /** On a failover database: the database it stands in for, what it came from, its data's time. */
  failoverOf: 'lifeboat:failover-of',
  failoverSource: 'lifeboat:failover-source',
  failoverDataAt: 'lifeboat:failover-data-at',
  /**
   * On a deployment's reports bucket (deploy/resources/core.yml, set by CloudFormation): its
   * topic's ARN, so that `lifeboat failover` finds the DR site's topic from the bucket it names.
   */
  topicArn: 'lifeboat:topic-arn',
} as const;

/** Where a snapshot sits in the chain: taken in the source region, or a copy at a DR target. */
export type Tier = 'primary' | 'dr-region' | 'dr-account';

export type Tags = Record<string, string>;

export function isManaged(tags: Tags): boolean {
  return tags[TAG.managed] === 'true';
}

/**
 * Every snapshot and copy Lifeboat makes is named so (lib/core/naming/snapshot-id.ts), and IAM
 * allows deleting, sharing and tagging snapshots of these names only.
 */
export const SNAPSHOT_PREFIX = 'lifeboat-';

/** A snapshot Lifeboat made and may tag, share or delete: tagged managed AND named by Lifeboat. */
export function isOwnedSnapshot(snapshot: { id: string; tags: Tags }): boolean {
  return isManaged(snapshot.tags) && snapshot.id.startsWith(SNAPSHOT_PREFIX);
}

/** A scratch instance, which Lifeboat may delete: tagged scratch, and never a failover result. */
export function isScratch(tags: Tags): boolean {
  return tags[TAG.scratch] === 'true' && !isFailoverResult(tags);
}

/** Production brought back by `lifeboat failover`: whatever else it is tagged, never Lifeboat's to touch. */
export function isFailoverResult(tags: Tags): boolean {
  return tags[TAG.failover] !== undefined;
}
