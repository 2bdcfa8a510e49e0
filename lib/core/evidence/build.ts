import type { DatabaseSource, Snapshot } from '../model.js';
import { targetLabel } from '../monitor/recovery.js';
import type { Policy, PolicyFile } from '../policy/schema.js';
import { isManaged, TAG } from '../tags.js';
import { selects } from '../use-cases/take-snapshots.js';
import { scheduleOccurrences } from './occurrences.js';
import {
  adherence,
  copyPresence,
  restorablePoints,
  retainedSlots,
  rpoAchieved,
  type Series,
} from './snapshot-evidence.js';
import { EVIDENCE_FORMAT, type DatabaseEvidence, type Evidence, type VerifyRun } from './types.js';
import { failuresOf, rtoSummary, verifyRunFrom, type ReadRun } from './verify-runs.js';

export interface EvidenceInput {
  policies: PolicyFile;
  period: { from: Date; to: Date };
  /** The databases the account has now; a deleted one still has evidence in its snapshots and reports. */
  databases: readonly DatabaseSource[];
  /** Snapshots in the databases' own region. */
  snapshots: readonly Snapshot[];
  /** Per copy target label (`eu-west-1`, `eu-west-1/222222222222`): its snapshots, or why not. */
  targets: ReadonlyMap<string, readonly Snapshot[] | { error: string }>;
  /** Every stored report of the period and before, with its key. */
  reports: ReadonlyArray<{ key: string; value: unknown }>;
  /** Only this database. */
  database?: string;
  sources: Evidence['sources'];
}

const DAY_MS = 86_400_000;
// Gaps are measured from the last snapshot before the period; further back than this is no period.
const LOOKBACK_MS = 400 * DAY_MS;

/**
 * The evidence of a period, per database: schedule adherence, RPO achieved at the source and at
 * every copy target, DR copy presence, every restore-verify with its RTO, failures and how long
 * until the next pass. Pure: everything read is handed in.
 */
export function buildEvidence(input: EvidenceInput): Evidence {
  const notes: string[] = [];
  const series = new Map<string, Series>();
  const add = (entry: Series) => {
    if (input.database !== undefined && entry.database !== input.database) return;
    const key = `${entry.kind} ${entry.database}`;
    if (!series.has(key)) series.set(key, entry);
  };
  for (const database of input.databases) {
    if (database.kind === 'instance' && database.clusterId) continue;
    const policy = Object.entries(input.policies.policies).find(([, p]) => selects(p, database));
    if (policy) add({ database: database.id, kind: database.kind, policy: policy[0] });
  }
  const unknownPolicies = new Set<string>();
  for (const snapshot of input.snapshots) {
    const policy = snapshot.tags[TAG.policy];
    if (!isManaged(snapshot.tags) || policy === undefined) continue;
    if (!input.policies.policies[policy]) {
      unknownPolicies.add(policy);
      continue;
    }
    add({ database: snapshot.tags[TAG.source] ?? snapshot.sourceId, kind: snapshot.kind, policy });
  }

  const runs = new Map<string, ReadRun[]>();
  for (const { key, value } of input.reports) {
    const read = verifyRunFrom(value, key, 0);
    if (!read) continue;
    const list = runs.get(read.source.id) ?? [];
    list.push(read);
    runs.set(read.source.id, list);
    const policy = read.source.policy;
    if (policy && input.policies.policies[policy] && read.source.kind) {
      add({ database: read.source.id, kind: read.source.kind, policy });
    } else if (policy && !input.policies.policies[policy]) unknownPolicies.add(policy);
  }
  for (const policy of [...unknownPolicies].sort()) {
    notes.push(`policy ${policy} is named by snapshots or reports but is not in the policy file: left out`);
  }
  if (input.database !== undefined && series.size === 0) {
    notes.push(`no snapshot, report or selected database is named ${input.database}`);
  }

  const databases = [...series.values()]
    .sort((a, b) => (a.database < b.database ? -1 : a.database > b.database ? 1 : a.kind < b.kind ? -1 : 1))
    .map((entry) =>
      databaseEvidence(entry, input.policies.policies[entry.policy]!, input, runs.get(entry.database) ?? []),
    );
  const { from, to } = input.period;
  return {
    format: EVIDENCE_FORMAT,
    generatedAt: to.toISOString(),
    period: {
      from: from.toISOString(),
      to: to.toISOString(),
      days: Math.round(((to.getTime() - from.getTime()) / DAY_MS) * 10) / 10,
    },
    sources: input.sources,
    databases,
    notes,
  };
}

function databaseEvidence(
  entry: Series,
  policy: Policy,
  input: EvidenceInput,
  reports: readonly ReadRun[],
): DatabaseEvidence {
  const { period } = input;
  const primaries = restorablePoints(input.snapshots, entry, 'primary');
  const newestScheduled = primaries.filter((p) => p.snapshot.tags[TAG.reason] === undefined).at(-1);
  // Gaps reach back to the last snapshot before the period, so the slots must too.
  const before = primaries.filter((p) => p.availableAt <= period.from.getTime()).at(-1);
  const slotsFrom = new Date(
    Math.max(
      Math.min(before?.dataAt ?? period.from.getTime(), period.from.getTime()),
      period.from.getTime() - LOOKBACK_MS,
    ),
  );
  const options = {
    ...(policy.timezone ? { timezone: policy.timezone } : {}),
    ...(newestScheduled ? { rateAnchor: new Date(newestScheduled.dataAt) } : {}),
  };
  const slots = scheduleOccurrences(policy.schedule, slotsFrom, period.to, options);
  const inPeriod = slots.filter((s) => s >= period.from);

  const retainedAtSource = retainedSlots(slots, entry, policy.retention, period.to);
  const copies = policy.copies.map((target) => {
    const label = targetLabel(target);
    const listed = input.targets.get(label);
    const retention = target.retention ?? policy.retention;
    const retained = retainedSlots(slots, entry, retention, period.to);
    if (listed === undefined || 'error' in listed) {
      const error = listed && 'error' in listed ? listed.error : 'not read';
      return {
        target: label,
        error,
        copies: 0,
        present: 0,
        expected: 0,
        missing: [],
        rpo: rpoAchieved([], period, slots, retained, policy.rpoMinutes),
      };
    }
    const points = restorablePoints(listed, entry, 'copy');
    return {
      target: label,
      copies: points.filter((p) => p.availableAt >= period.from.getTime()).length,
      ...copyPresence(primaries, points, retention, period),
      rpo: rpoAchieved(points, period, slots, retained, policy.rpoMinutes),
    };
  });

  const verifications: VerifyRun[] = reports
    .map((r) => r.run)
    .filter((run) => Date.parse(run.at) >= period.from.getTime() && Date.parse(run.at) <= period.to.getTime())
    .map((run) =>
      // Reports before the objective was recorded are judged against the policy's.
      run.rtoObjectiveMinutes > 0
        ? run
        : {
            ...run,
            rtoObjectiveMinutes: policy.rtoMinutes,
            rtoMet: run.rtoMinutes === null ? null : run.rtoMinutes <= policy.rtoMinutes,
          },
    )
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));

  return {
    database: entry.database,
    kind: entry.kind,
    policy: entry.policy,
    objectives: { rpoMinutes: policy.rpoMinutes, rtoMinutes: policy.rtoMinutes },
    schedule: { expression: policy.schedule, timezone: policy.timezone ?? null },
    adherence: adherence(inPeriod, retainedAtSource, primaries),
    rpo: rpoAchieved(primaries, period, slots, retainedAtSource, policy.rpoMinutes),
    copies,
    verifications,
    failures: failuresOf(verifications),
    rto: rtoSummary(verifications),
  };
}
