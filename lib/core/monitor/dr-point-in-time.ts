import type { SourceKind } from '../model.js';
import { pointInTimeRefusal } from '../policy/point-in-time.js';
import type { Site } from '../policy/site.js';
import {
  observeReplicated,
  pointInTimeState,
  type PointInTimeState,
  type ReplicatedBackup,
} from './point-in-time.js';

/*
 * Point-in-time recovery as a DR site sees it: the automated backups the primary's monitor
 * replicates into this region (copies[].pointInTime), listed here with the same adapter. Read only:
 * a DR site never starts or stops a replication (its role may not), so what it does not find is
 * reported, and starting it again is the primary's monitor's job.
 */

/** A database a DR site guards, as its copies describe it (lifeboat:source, lifeboat:source-arn). */
export interface HeldDatabase {
  id: string;
  kind: SourceKind;
  /** The source instance's ARN when the copies carry it, else the newest copy's own ARN. */
  arn: string;
}

/**
 * Whether replicated backups are of this database. Their DBInstanceArn is the source instance's
 * in the primary's region: the copies' source ARN when they have one, else the instance of that
 * name in the primary's region and account (arn:<partition>:rds:<region>:<account>:db:<id>).
 */
export function isReplicaOf(
  backup: Pick<ReplicatedBackup, 'sourceArn'>,
  database: Pick<HeldDatabase, 'id' | 'arn'>,
  primary: Site['primary'],
): boolean {
  if (backup.sourceArn === database.arn) return true;
  const [arn, , service, region, account, type, id] = backup.sourceArn.split(':');
  return (
    arn === 'arn' &&
    service === 'rds' &&
    region === primary.region &&
    account === primary.account &&
    type === 'db' &&
    id === database.id
  );
}

/**
 * The point-in-time state of one database at the DR site's own `pointInTime` target: the
 * replicated latest restorable time and the lag while the backups are fed, else why not.
 */
export function drPointInTimeState(
  database: HeldDatabase,
  target: string,
  primary: Site['primary'],
  replicated: readonly ReplicatedBackup[],
  now: Date,
): PointInTimeState {
  const refusal = pointInTimeRefusal(database.kind);
  if (refusal) return pointInTimeState(target, { action: 'refused', reason: refusal });
  const mine = replicated.filter((backup) => isReplicaOf(backup, database, primary));
  const observed = observeReplicated(mine, now);
  if (observed) return pointInTimeState(target, observed);
  const detail =
    mine.length > 0
      ? `the automated backups of ${database.id} replicated here are no longer fed (${mine.map((b) => b.status).join(', ')}): the replication was stopped or the source deleted; the primary's monitor starts it again while the source is there`
      : `no automated backups of ${database.id} are replicated here from ${primary.region}; the primary's monitor starts the replication, and its posture check says why it cannot`;
  return { target, state: 'not-running', latestRestorableTime: null, lagMinutes: null, detail };
}
