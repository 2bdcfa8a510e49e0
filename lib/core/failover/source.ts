import { InvalidInputError } from '../errors.js';
import type { DrCopy, FailoverSource, ReplicatedBackup, SourceRequest } from './types.js';

/** The replicated backups that can restore now: a restore window RDS reports, and not still creating. */
export function usableBackups(backups: readonly ReplicatedBackup[]): ReplicatedBackup[] {
  return backups.filter((b) => b.status !== 'creating' && b.earliest !== undefined && b.latest !== undefined);
}

/** The backup whose window reaches furthest: after a re-enabled replication there may be two. */
function freshest(backups: readonly ReplicatedBackup[]): ReplicatedBackup | undefined {
  return [...backups].sort((a, b) => b.latest!.getTime() - a.latest!.getTime())[0];
}

function newest(copies: readonly DrCopy[]): DrCopy | undefined {
  return [...copies].sort((a, b) => b.dataAt.getTime() - a.dataAt.getTime() || a.id.localeCompare(b.id))[0];
}

const window = (b: ReplicatedBackup) => `${b.earliest!.toISOString()} to ${b.latest!.toISOString()}`;

export interface SourceChoice {
  source: FailoverSource;
  warnings: string[];
}

/**
 * Where the failover restores from, best first: the replicated automated backups at their latest
 * restorable time (minutes of data lost, not the snapshot interval); else the newest DR copy a
 * restore-verify passed on; else the newest DR copy, with a warning that it was never proven to
 * restore. `--latest` takes the freshest data whether verified or not, `--time` a point in the
 * backups' window, `--snapshot` one copy. Anything that cannot be done is an InvalidInputError
 * naming why, before anything is created.
 */
export function chooseSource(input: {
  database: string;
  region: string;
  backups: readonly ReplicatedBackup[];
  /** Available copies of this database at the target. */
  copies: readonly DrCopy[];
  request: SourceRequest;
  now: Date;
}): SourceChoice {
  const { database, region, request, now } = input;
  const backup = freshest(usableBackups(input.backups));
  const copies = input.copies.filter((c) => c.status === 'available');
  const warnings: string[] = [];

  if (request.mode === 'snapshot') {
    const copy = input.copies.find((c) => c.id === request.snapshotId || c.arn === request.snapshotId);
    if (!copy) {
      throw new InvalidInputError(
        `--snapshot ${request.snapshotId}: no copy of ${database} of that name in ${region}` +
          (copies.length > 0 ? ` (newest: ${newest(copies)!.id})` : ''),
      );
    }
    if (copy.status !== 'available') {
      throw new InvalidInputError(
        `--snapshot ${copy.id} is ${copy.status}, not available: it cannot be restored`,
      );
    }
    if (!copy.verifiedAt) warnings.push(unverifiedWarning(copy));
    return { source: { type: 'snapshot', copy, verified: !!copy.verifiedAt }, warnings };
  }

  if (request.mode === 'time') {
    if (request.time.getTime() > now.getTime()) {
      throw new InvalidInputError(`--time ${request.time.toISOString()} is in the future`);
    }
    if (!backup) {
      throw new InvalidInputError(
        `--time needs replicated automated backups of ${database} in ${region}, and there are none usable` +
          (copies.length > 0
            ? `; restore a copy instead with --snapshot (newest: ${newest(copies)!.id})`
            : ''),
      );
    }
    const t = request.time.getTime();
    if (t < backup.earliest!.getTime() || t > backup.latest!.getTime()) {
      throw new InvalidInputError(
        `--time ${request.time.toISOString()} is outside the restore window of ${database}'s replicated backups in ${region}: ${window(backup)}`,
      );
    }
    return { source: { type: 'point-in-time', backup, time: request.time }, warnings };
  }

  if (backup) {
    return { source: { type: 'point-in-time', backup, time: backup.latest! }, warnings };
  }
  const verified = newest(copies.filter((c) => c.verifiedAt));
  const any = newest(copies);
  if (!any) {
    throw new InvalidInputError(
      `no usable source for ${database} in ${region}: no replicated automated backups and no available DR copy`,
    );
  }
  if (request.mode === 'best' && verified) {
    if (verified !== any) {
      warnings.push(
        `a newer copy ${any.id} (${any.dataAt.toISOString()}) was never verified; restoring the newest verified one. --latest takes the newer`,
      );
    }
    return { source: { type: 'snapshot', copy: verified, verified: true }, warnings };
  }
  if (!any.verifiedAt) warnings.push(unverifiedWarning(any, verified));
  return { source: { type: 'snapshot', copy: any, verified: !!any.verifiedAt }, warnings };
}

function unverifiedWarning(copy: DrCopy, verified?: DrCopy): string {
  return (
    `UNVERIFIED SOURCE: ${copy.id} was never restored and checked by restore-verify` +
    (verified
      ? `; the newest verified copy is ${verified.id}`
      : '; no copy of this database at the target was ever verified')
  );
}

/** The time of the data a source gives back. */
export function dataTimeOf(source: FailoverSource): Date {
  return source.type === 'point-in-time' ? source.time : source.copy.dataAt;
}

/** One line for people: what is restored from. */
export function describeSource(source: FailoverSource): string {
  if (source.type === 'point-in-time') {
    return `replicated automated backups of ${source.backup.sourceId} (from ${source.backup.sourceRegion}) at ${source.time.toISOString()}`;
  }
  return `${source.verified ? 'verified' : 'UNVERIFIED'} DR copy ${source.copy.id} (data of ${source.copy.dataAt.toISOString()})`;
}
