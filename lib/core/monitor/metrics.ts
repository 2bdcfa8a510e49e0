import type { DatabaseRecovery } from './recovery.js';

/** One CloudWatch datapoint, in seconds, with its dimensions. */
export interface RecoveryMetric {
  name: 'SnapshotAge' | 'CopyAge' | 'VerifiedRestoreAge' | 'VerifiedRestoreRto';
  seconds: number;
  dimensions: Record<string, string>;
}

/**
 * The ages the monitor publishes per database, so a dashboard or an extra alarm can use them. A
 * missing snapshot or copy publishes nothing: CloudWatch alarms treat missing data as they are told
 * to, while an invented age would lie.
 */
export function recoveryMetrics(recoveries: readonly DatabaseRecovery[]): RecoveryMetric[] {
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
