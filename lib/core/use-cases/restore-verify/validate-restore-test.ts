import {
  isRestoreTest,
  parseRestoreJobEvent,
  RESTORE_TEST_TAG,
} from '../../aws-backup/restore-test-event.js';
import {
  ConfigError,
  GuardRefusedError,
  InvalidInputError,
  NotReadyError,
  ValidationWindowClosedError,
} from '../../errors.js';
import { policyValidatingPlan } from '../../policy/aws-backup.js';
import { getPolicy } from '../../policy/parse.js';
import type { RestoreJobs, RestoreValidationStatus } from '../../ports.js';
import { runIdFor } from '../../report/report.js';
import { requestOf, timed } from './common.js';
import { describeAvailable } from './restore.js';
import type {
  RestoreTestValidation,
  RestoreVerifyDeps,
  RunState,
  StepError,
  ValidationResult,
  VerifyRequest,
} from './types.js';
import { requireVerify, selects } from './validate-input.js';

/*
 * Lifeboat as the validator of AWS Backup restore tests
 * (https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing-validation.html): AWS
 * Backup restored a recovery point and owns the restored database, which it deletes when the
 * selection's validation window closes. The run does not restore and does not delete; it sets a
 * password as for a scratch instance, plans and fingerprints, compares with the source's baseline,
 * writes the report and tells AWS Backup SUCCESSFUL, FAILED or TIMED_OUT.
 */

/** The API sets no length on ValidationStatusMessage; one line a console column can show. */
export const VALIDATION_MESSAGE_LIMIT = 500;

/** Less window than this left, and the fingerprint cannot be expected to finish in it. */
export const MIN_WINDOW_LEFT_MS = 5 * 60_000;

const TERMINAL = new Set<RestoreValidationStatus>(['SUCCESSFUL', 'FAILED', 'TIMED_OUT']);

function restoreJobsOf(deps: RestoreVerifyDeps): RestoreJobs {
  if (!deps.restoreJobs)
    throw new ConfigError('this deployment cannot reach AWS Backup (no restore jobs adapter)');
  return deps.restoreJobs;
}

export function awsBackupOf(request: VerifyRequest): RestoreTestValidation {
  if (!request.awsBackup)
    throw new InvalidInputError('this step validates an AWS Backup restore test: $.request has none');
  return request.awsBackup;
}

/** One line, at most VALIDATION_MESSAGE_LIMIT characters. */
export function validationMessage(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= VALIDATION_MESSAGE_LIMIT ? line : `${line.slice(0, VALIDATION_MESSAGE_LIMIT - 1)}…`;
}

/**
 * ValidateInput for an AWS Backup event: the event parsed strictly, its plan's policy, the job as
 * AWS Backup describes it (COMPLETED, started by that plan, of that restored resource, not yet
 * validated) and the plan's selections of its resource type. Nothing is set or changed here, so
 * a malformed or foreign event leaves no trace but the failure it is reported as.
 */
export async function validateRestoreTestInput(
  event: { input: unknown; execution?: string },
  deps: RestoreVerifyDeps,
): Promise<VerifyRequest> {
  const startedAt = deps.clock();
  const job = parseRestoreJobEvent(event.input, {
    ...(deps.account ? { account: deps.account } : {}),
    region: deps.region ?? deps.snapshots.region,
  });
  const owner = policyValidatingPlan(deps.policies, job.plan.name);
  if (!owner) {
    throw new InvalidInputError(
      `restore testing plan "${job.plan.name}" is validated by no policy (awsBackup.restoreTesting), nothing done`,
    );
  }
  const policy = getPolicy(deps.policies, owner.policy);
  const verify = requireVerify(owner.policy, policy);
  const jobs = restoreJobsOf(deps);

  const described = await jobs.describeJob(job.restoreJobId);
  const mismatches = [
    ...(described.status !== 'COMPLETED' ? [`its status is ${described.status}`] : []),
    ...(described.restoreTestingPlanArn !== job.plan.arn
      ? [`it was started by ${described.restoreTestingPlanArn ?? 'no restore testing plan'}`]
      : []),
    ...(described.createdResourceArn !== job.restored.arn
      ? [`it restored ${described.createdResourceArn ?? 'nothing'}`]
      : []),
  ];
  if (mismatches.length > 0) {
    throw new InvalidInputError(
      `the event does not match restore job ${job.restoreJobId} as AWS Backup describes it (${mismatches.join('; ')}), nothing done`,
    );
  }
  if (described.validationStatus && TERMINAL.has(described.validationStatus)) {
    throw new InvalidInputError(
      `restore job ${job.restoreJobId} is already validated ${described.validationStatus}; AWS Backup keeps a final status, nothing done`,
    );
  }

  // The event names the plan, not the selection: every selection of the plan of this resource type
  // (those the policy names, if it names any) may have made the job, so the shortest window holds.
  const selections = (await jobs.listSelections(job.plan.name)).filter(
    (s) => s.resourceType === job.resourceType && (owner.entry.selections?.includes(s.name) ?? true),
  );
  if (selections.length === 0) {
    throw new InvalidInputError(
      `restore testing plan "${job.plan.name}" has no ${job.resourceType} selection ${
        owner.entry.selections ? `among ${owner.entry.selections.join(', ')} ` : ''
      }for policy "${owner.policy}" to validate, nothing done`,
    );
  }
  const windowHours = Math.min(...selections.map((s) => s.validationWindowHours));
  const completedAt = described.completedAt?.toISOString() ?? job.completedAt ?? startedAt.toISOString();
  const windowClosesAt = new Date(Date.parse(completedAt) + windowHours * 3_600_000).toISOString();

  // A source in another account (restore testing in an account of its own) is not listed here.
  const source = (await deps.snapshots.listDatabases()).find((d) => d.arn === job.source.arn);
  const sourceCovered = source
    ? Object.values(deps.policies.policies).some((p) => selects(p, source))
    : false;

  // The job in the run id too: a restore-verify of the same source in the same second keeps its own
  // report (and stays this run's baseline) instead of being overwritten by this one.
  const runId = `${runIdFor(startedAt)}-${job.restoreJobId.slice(0, 8).toLowerCase()}`;
  const execution = event.execution ?? `local-${startedAt.getTime()}`;
  return {
    mode: 'database',
    source: { id: job.source.id, kind: job.source.kind, engine: source?.engine ?? '', arn: job.source.arn },
    policy: owner.policy,
    snapshot: job.recoveryPointArn,
    target: { name: 'aws-backup' },
    // Belt and braces: DeleteScratch is not on this mode's path, and keeps what it is asked to keep.
    keepScratch: true,
    scratchId: job.restored.id,
    execution,
    runId,
    databases: verify.databases,
    deadline: windowClosesAt,
    awsBackup: {
      restoreJobId: job.restoreJobId,
      plan: job.plan.name,
      planArn: job.plan.arn,
      resourceType: job.resourceType,
      restored: { kind: job.restored.kind, id: job.restored.id, arn: job.restored.arn },
      recoveryPointArn: job.recoveryPointArn,
      ...(described.recoveryPointCreatedAt
        ? { recoveryPointCreatedAt: described.recoveryPointCreatedAt.toISOString() }
        : {}),
      ...((described.createdAt?.toISOString() ?? job.createdAt)
        ? { restoreStartedAt: described.createdAt?.toISOString() ?? job.createdAt! }
        : {}),
      restoreCompletedAt: completedAt,
      selections: selections.map((s) => s.name),
      windowHours,
      windowClosesAt,
      sourceCovered,
    },
    startedAt: startedAt.toISOString(),
    finishedAt: deps.clock().toISOString(),
  };
}

/**
 * Tells AWS Backup the validation is under way (VALIDATING), once the window leaves time for it,
 * and finds the restored database available and tagged as restore testing tags what it restores.
 * NotReadyError while it is not available, which the state machine retries until the window closes.
 */
export async function startValidation(
  state: RunState,
  deps: RestoreVerifyDeps,
): Promise<{ status: string; engine: string; validatingSince: string }> {
  const request = requestOf(state);
  const validation = awsBackupOf(request);
  return timed(deps, async () => {
    const closesAt = Date.parse(validation.windowClosesAt);
    const windowClosed = (why: string) =>
      new ValidationWindowClosedError(
        `the validation window of restore job ${validation.restoreJobId} closes at ${validation.windowClosesAt} (${validation.windowHours} h after the restore): ${why}`,
      );
    if (deps.clock().getTime() > closesAt - MIN_WINDOW_LEFT_MS) {
      throw windowClosed('too soon to fingerprint; lengthen ValidationWindowHours of the selection');
    }
    await restoreJobsOf(deps).putValidationResult(
      validation.restoreJobId,
      'VALIDATING',
      validationMessage(
        `Lifeboat is fingerprinting ${validation.restored.id} (execution ${request.execution})`,
      ),
    );
    let restored;
    try {
      restored = await describeAvailable(state, deps);
    } catch (error) {
      if (error instanceof NotReadyError && deps.clock().getTime() > closesAt - MIN_WINDOW_LEFT_MS) {
        throw windowClosed(error.message);
      }
      throw error;
    }
    if (!isRestoreTest(restored.tags)) {
      throw new GuardRefusedError(
        `${restored.kind} ${restored.id} is not tagged ${RESTORE_TEST_TAG}: Lifeboat validates only what restore testing restored`,
      );
    }
    return { status: restored.status, engine: restored.engine, validatingSince: deps.clock().toISOString() };
  });
}

/** Lambda wraps a function's error as JSON in `Cause`; its message is what a person reads. */
function messageOf(error: StepError): string {
  try {
    const parsed = JSON.parse(error.Cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // not JSON: already a message
  }
  return error.Cause;
}

/**
 * What to tell AWS Backup, from the run's state at `now`: SUCCESSFUL only for a comparison that
 * passed against a baseline before the window closed; TIMED_OUT when the window closed first;
 * FAILED otherwise, with the tables and rows checked and the first difference, or the error.
 */
export function validationVerdict(
  state: RunState,
  now: Date,
): { status: Exclude<RestoreValidationStatus, 'VALIDATING'>; message: string } {
  const request = requestOf(state);
  const validation = awsBackupOf(request);
  const closesAt = Date.parse(validation.windowClosesAt);
  const error = state.error ?? state.reportError;
  const comparison = state.comparison;
  const tables = (state.fingerprints ?? []).reduce((n, f) => n + f.tables, 0);
  const rows = (state.fingerprints ?? []).reduce((n, f) => n + f.rows, 0);
  const checked = `${tables} table${tables === 1 ? '' : 's'}, ${rows} row${rows === 1 ? '' : 's'}`;
  const report = state.report ? `; report ${state.report.key}` : '';
  const say = (status: Exclude<RestoreValidationStatus, 'VALIDATING'>, text: string) => ({
    status,
    message: validationMessage(`Lifeboat ${status}: ${text}${report}`),
  });

  if (!error && comparison?.verdict === 'passed') {
    if (Date.parse(comparison.verifiedAt) > closesAt) {
      return say(
        'TIMED_OUT',
        `${checked} matched, but only after the window closed at ${validation.windowClosesAt}`,
      );
    }
    const baseline = comparison.baseline
      ? `${comparison.baseline.mode} ${comparison.baseline.key}`
      : 'the expectations';
    return say('SUCCESSFUL', `${checked} match ${baseline}`);
  }
  if (
    error?.Error === 'ValidationWindowClosedError' ||
    (now.getTime() > closesAt && (error || !comparison))
  ) {
    return say('TIMED_OUT', error ? messageOf(error) : `the window closed at ${validation.windowClosesAt}`);
  }
  if (error) return say('FAILED', `${error.Error}: ${messageOf(error)}`);
  if (comparison?.noBaseline) {
    return say(
      'FAILED',
      `no baseline for ${request.source.id}: ${checked} fingerprinted, compared with nothing (no passed Lifeboat report of it, no verify.expectations)`,
    );
  }
  const first = comparison?.differences[0];
  return say(
    'FAILED',
    `${checked}; ${first ? `first difference: ${first.database}/${first.table} ${first.verdict}: ${first.reason}` : (comparison?.summary ?? 'nothing was compared')}`,
  );
}

/** Tells AWS Backup the verdict; a final status already there (a repeated event) is left as it is. */
export async function reportValidationResult(
  state: RunState,
  deps: RestoreVerifyDeps,
): Promise<ValidationResult> {
  const validation = awsBackupOf(requestOf(state));
  return timed(deps, async () => {
    const { status, message } = validationVerdict(state, deps.clock());
    const answer = await restoreJobsOf(deps).putValidationResult(validation.restoreJobId, status, message);
    return { status, message, ...answer };
  });
}
