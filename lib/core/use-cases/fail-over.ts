import { planFailover } from '../failover/plan.js';
import type { FailoverRestorer, RecoverySources } from '../failover/ports.js';
import {
  failoverNotification,
  failoverRecord,
  failoverRecordKey,
  type FailoverEnd,
} from '../failover/record.js';
import type { FailoverTarget, FailoverPlan, SourceRequest } from '../failover/types.js';
import type { PolicyFile } from '../policy/schema.js';
import type { Clock, Notifier, ReportStore } from '../ports.js';

/**
 * Reads what the target holds (replicated backups, DR copies) and plans the failover. Nothing is
 * created here: `--dry-run` prints this plan, and any bad input has failed before a restore starts.
 */
export async function prepareFailover(input: {
  policies: PolicyFile;
  database: string;
  target: FailoverTarget;
  policyName?: string;
  request: SourceRequest;
  name?: string;
  sources: RecoverySources;
  now: Date;
}): Promise<FailoverPlan> {
  const [backups, copies] = await Promise.all([
    input.sources.listReplicatedBackups(input.database),
    input.sources.listCopies(input.database),
  ]);
  return planFailover({
    policies: input.policies,
    database: input.database,
    target: input.target,
    ...(input.policyName !== undefined ? { policyName: input.policyName } : {}),
    request: input.request,
    backups,
    copies,
    ...(input.name !== undefined ? { name: input.name } : {}),
    now: input.now,
  });
}

/**
 * Follows the new database until it is available (and, for Aurora, every instance too), failed
 * or gone, or the timeout passes. Each status change goes to `onProgress`.
 */
export async function followFailover(input: {
  restorer: FailoverRestorer;
  plan: FailoverPlan;
  pollMs: number;
  timeoutMs: number;
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
  onProgress?: (status: string) => void;
}): Promise<FailoverEnd> {
  const { restorer, plan, clock } = input;
  const deadline = clock().getTime() + input.timeoutMs;
  let last = '';
  for (;;) {
    const database = await restorer.describe(plan.kind, plan.newId);
    const at = clock().toISOString();
    if (!database) return { state: 'gone', at };
    const status = [database.status, ...(database.instances ?? []).map((i) => `${i.id} ${i.status}`)].join(
      ', ',
    );
    if (status !== last) input.onProgress?.(status);
    last = status;
    const instancesReady = (database.instances ?? []).every((i) => i.status === 'available');
    if (database.status === 'available' && instancesReady) return { state: 'available', database, at };
    if (/failed|incompatible|storage-full/.test(status)) return { state: 'failed', database, at };
    if (clock().getTime() >= deadline) return { state: 'timed-out', database, at };
    await input.sleep(input.pollMs);
  }
}

/**
 * Leaves the record of a failover in the DR site's reports bucket and tells its topic. Either may
 * be missing (a DR site not deployed, names not given): the failover itself already stands, so
 * what could not be written is returned as a warning, never thrown.
 */
export async function recordFailover(input: {
  plan: FailoverPlan;
  end: FailoverEnd;
  records?: ReportStore;
  notifier?: Notifier;
}): Promise<{ record: ReturnType<typeof failoverRecord>; recordKey?: string; problems: string[] }> {
  const record = failoverRecord(input.plan, input.end);
  const problems: string[] = [];
  let recordKey: string | undefined;
  if (input.records) {
    const key = failoverRecordKey(input.plan);
    try {
      await input.records.put(key, record);
      recordKey = key;
    } catch (error) {
      problems.push(`the failover record could not be written: ${(error as Error).message}`);
    }
  }
  if (input.notifier) {
    try {
      await input.notifier.publish(failoverNotification(input.plan, input.end, recordKey));
    } catch (error) {
      problems.push(`the notification could not be published: ${(error as Error).message}`);
    }
  }
  return { record, ...(recordKey ? { recordKey } : {}), problems };
}
