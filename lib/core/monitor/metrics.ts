import type { DatabaseRecovery } from './recovery.js';

/** The metrics the monitor publishes (namespace Lifeboat); the dashboard draws them. */
export const RECOVERY_METRIC_NAMES = [
  'SnapshotAge',
  'CopyAge',
  'CopyBacklog',
  'PointInTimeLag',
  'VerifiedRestoreAge',
  'VerifiedRestoreRto',
] as const;

/** One CloudWatch datapoint with its dimensions: an age or a duration in seconds, or a count. */
export interface RecoveryMetric {
  name: (typeof RECOVERY_METRIC_NAMES)[number];
  unit: 'Seconds' | 'Count';
  value: number;
  dimensions: Record<string, string>;
}

/**
 * What the monitor publishes per database, for the stack's dashboard and any extra alarm: the
 * snapshot and copy ages, the copy backlog per target, the point-in-time lag, the last verified
 * restore's age and its measured RTO. A missing snapshot, copy or RTO publishes nothing:
 * CloudWatch alarms treat missing data as they are told to, while an invented value would lie.
 */
export function recoveryMetrics(recoveries: readonly DatabaseRecovery[]): RecoveryMetric[] {
  return [...perDatabase(recoveries), ...pointInTimeLagPerTarget(recoveries)];
}

function perDatabase(recoveries: readonly DatabaseRecovery[]): RecoveryMetric[] {
  return recoveries.flatMap((recovery) => {
    const dimensions = { Database: recovery.database, Policy: recovery.policy };
    const seconds = (name: RecoveryMetric['name'], value: number, extra = {}): RecoveryMetric => ({
      name,
      unit: 'Seconds',
      value,
      dimensions: { ...dimensions, ...extra },
    });
    const metrics: RecoveryMetric[] = [];
    if (recovery.snapshot) metrics.push(seconds('SnapshotAge', recovery.snapshot.ageMinutes * 60));
    for (const copy of recovery.copies) {
      if (copy.newest) metrics.push(seconds('CopyAge', copy.newest.ageMinutes * 60, { Target: copy.target }));
      // A target that cannot be read has no backlog to tell (its CopyAge is missing too), nor has a
      // DR site, which sees no source snapshots.
      if (!copy.error && copy.pending !== null) {
        metrics.push({
          name: 'CopyBacklog',
          unit: 'Count',
          value: copy.pending,
          dimensions: { ...dimensions, Target: copy.target },
        });
      }
    }
    for (const replicated of recovery.pointInTime ?? []) {
      if (replicated.lagMinutes !== null) {
        metrics.push(seconds('PointInTimeLag', replicated.lagMinutes * 60, { Target: replicated.target }));
      }
    }
    const last = recovery.verification.last;
    if (last) {
      metrics.push(seconds('VerifiedRestoreAge', last.ageMinutes * 60));
      if (last.rtoMinutes !== null)
        metrics.push(seconds('VerifiedRestoreRto', Math.round(last.rtoMinutes * 60)));
    }
    return metrics;
  });
}

/**
 * The largest PointInTimeLag per policy and target, the datapoint the packaged alarm of each
 * `pointInTime` target watches (deploy/config.cjs): an alarm needs dimensions known at deploy
 * time, and the databases a policy selects are not.
 */
function pointInTimeLagPerTarget(recoveries: readonly DatabaseRecovery[]): RecoveryMetric[] {
  const largest = new Map<string, RecoveryMetric>();
  for (const recovery of recoveries) {
    for (const replicated of recovery.pointInTime ?? []) {
      if (replicated.lagMinutes === null) continue;
      const key = `${recovery.policy}\u0000${replicated.target}`;
      const value = replicated.lagMinutes * 60;
      if ((largest.get(key)?.value ?? -1) < value) {
        largest.set(key, {
          name: 'PointInTimeLag',
          unit: 'Seconds',
          value,
          dimensions: { Policy: recovery.policy, Target: replicated.target },
        });
      }
    }
  }
  return [...largest.values()];
}
