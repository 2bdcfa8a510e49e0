import type { DatabaseRecovery } from './recovery.js';

/** One CloudWatch datapoint, in seconds, with its dimensions. */
export interface RecoveryMetric {
  name: 'SnapshotAge' | 'CopyAge' | 'VerifiedRestoreAge' | 'PointInTimeLag' | 'VerifiedRestoreRto';
  seconds: number;
  dimensions: Record<string, string>;
}

/**
 * The ages the monitor publishes per database, so a dashboard or an extra alarm can use them. A
 * missing snapshot or copy publishes nothing: CloudWatch alarms treat missing data as they are told
 * to, while an invented age would lie.
 */
export function recoveryMetrics(recoveries: readonly DatabaseRecovery[]): RecoveryMetric[] {
  return [...perDatabase(recoveries), ...pointInTimeLagPerTarget(recoveries)];
}

function perDatabase(recoveries: readonly DatabaseRecovery[]): RecoveryMetric[] {
  return recoveries.flatMap((recovery) => {
    const dimensions = { Database: recovery.database, Policy: recovery.policy };
    const metrics: RecoveryMetric[] = [];
    if (recovery.snapshot) {
      metrics.push({ name: 'SnapshotAge', seconds: recovery.snapshot.ageMinutes * 60, dimensions });
    }
    for (const copy of recovery.copies) {
      if (copy.newest) {
        metrics.push({
          name: 'CopyAge',
          seconds: copy.newest.ageMinutes * 60,
          dimensions: { ...dimensions, Target: copy.target },
        });
      }
    }
    for (const replicated of recovery.pointInTime ?? []) {
      if (replicated.lagMinutes !== null) {
        metrics.push({
          name: 'PointInTimeLag',
          seconds: replicated.lagMinutes * 60,
          dimensions: { ...dimensions, Target: replicated.target },
        });
      }
    }
    if (recovery.verification.last) {
      metrics.push({
        name: 'VerifiedRestoreAge',
        seconds: recovery.verification.last.ageMinutes * 60,
        dimensions,
      });
      if (recovery.rto && recovery.verification.last.rtoMinutes !== null) {
        metrics.push({
          name: 'VerifiedRestoreRto',
          seconds: recovery.verification.last.rtoMinutes * 60,
          dimensions,
        });
      }
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
      const seconds = replicated.lagMinutes * 60;
      if ((largest.get(key)?.seconds ?? -1) < seconds) {
        largest.set(key, {
          name: 'PointInTimeLag',
          seconds,
          dimensions: { Policy: recovery.policy, Target: replicated.target },
        });
      }
    }
  }
  return [...largest.values()];
}
