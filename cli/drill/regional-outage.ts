import { LocalFailoverRestorer, LocalRecoverySources } from '../../lib/adapters/local/failover.js';
import type { LocalReportStore } from '../../lib/adapters/local/report-store.js';
import { describeSource } from '../../lib/core/failover/source.js';
import { measure, type FailoverMeasures } from '../../lib/core/failover/record.js';
import { parseTarget } from '../../lib/core/failover/target.js';
import { followFailover, prepareFailover, recordFailover } from '../../lib/core/use-cases/fail-over.js';
import { DATABASE, DR_TARGET, type DrillWorld } from './context.js';

export interface FailoverRun {
  newDatabase: string;
  source: string;
  state: string;
  measured: FailoverMeasures;
  objectives: { rpoMinutes: number; rtoMinutes: number };
  recordKey?: string;
}

const seconds = (minutes: number | null) => (minutes === null ? '?' : `${(minutes * 60).toFixed(1)} s`);

/**
 * The primary region is declared lost: `lifeboat failover`'s own use case restores production in
 * the DR account from its best copy (the newest verified one, once restore-verify passed there)
 * with the local engine, and the measured RTO and RPO are printed beside the policy's objectives.
 * The record goes to the DR site's reports folder, as it would to the DR site's bucket.
 */
export async function failOverToDr(world: DrillWorld, reports: LocalReportStore): Promise<FailoverRun> {
  const { progress, policies, server } = world;
  const startedAt = new Date();
  const run = await progress.step(
    `Regional outage: ${world.primaryLocation.region} is lost; fail over ${DATABASE} to the DR account ${DR_TARGET} (lifeboat failover)`,
    async (update) => {
      const plan = await prepareFailover({
        policies,
        database: DATABASE,
        target: parseTarget(DR_TARGET),
        request: { mode: 'best' },
        sources: new LocalRecoverySources({ dr: world.dr, origins: world.primary }),
        now: startedAt,
      });
      update(`restoring ${describeSource(plan.source)} as ${plan.newId}`);
      const restorer = new LocalFailoverRestorer({ server, location: world.drLocation });
      await restorer.start(plan);
      const end = await followFailover({
        restorer,
        plan,
        pollMs: 100,
        timeoutMs: plan.objectives.rtoMinutes * 60_000,
        clock: () => new Date(),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      });
      const recorded = await recordFailover({ plan, end, records: reports });
      for (const warning of plan.warnings) progress.info(`    WARNING: ${warning}`);
      return {
        newDatabase: plan.newId,
        source: describeSource(plan.source),
        state: end.state,
        measured: measure(plan, end),
        objectives: plan.objectives,
        ...(recorded.recordKey ? { recordKey: recorded.recordKey } : {}),
      } satisfies FailoverRun;
    },
    (r) => `${r.newDatabase} ${r.state}`,
  );
  const { measured: m, objectives: o } = run;
  const met = (ok: boolean | null) => (ok === null ? '' : ok ? ' (met)' : ' (MISSED)');
  progress.info(
    `• Failover RTO (measured): ${seconds(m.rtoMinutes)} from the command's start to available; objective ${o.rtoMinutes} min${met(m.rtoMet)}`,
  );
  progress.info(
    `• Failover RPO (measured): ${seconds(m.rpoMinutes)} of writes not in the DR copy; objective ${o.rpoMinutes} min${met(m.rpoMet)}`,
  );
  if (run.recordKey) progress.info(`• Failover record: ${run.recordKey} in the DR site's reports`);
  return run;
}
