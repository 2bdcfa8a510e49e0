import { ConfigError, InvalidInputError } from '../../errors.js';
import type { DatabaseFingerprint } from '../../fingerprint/types.js';
import type { NotificationInput } from '../../notification/message.js';
import { getPolicy } from '../../policy/parse.js';
import { minutesBetween, REPORT_VERSION, reportKey, type RestoreVerifyReport } from '../../report/report.js';
import { isAwsBackupEvent } from '../../aws-backup/restore-test-event.js';
import { TAG } from '../../tags.js';
import { policyOf, requestOf, siteOf, timed } from './common.js';
import { restoreTimeOf } from './restore.js';
import type { DatabaseComparison, RestoreVerifyDeps, RunState, StepError, StepTiming } from './types.js';
import { validationVerdict } from './validate-restore-test.js';
import { comparisonKey, loadFingerprints } from './verify.js';

/** The state keys that hold a step's result, in the order the steps run, with their state names. */
const STEPS: Array<[keyof RunState, string]> = [
  ['request', 'ValidateInput'],
  ['resolved', 'ResolveSnapshot'],
  ['restore', 'StartRestore'],
  ['ready', 'CheckScratch'],
  ['credentials', 'ObtainCredentials'],
  ['plan', 'PlanFingerprints'],
  ['comparison', 'CompareWithBaseline'],
];

/** Tables and rows per database, from its fingerprint (its parts joined). */
function summaryOf(
  fingerprints: Record<string, DatabaseFingerprint>,
): Array<{ database: string; tables: number; rows: number }> {
  return Object.entries(fingerprints).map(([database, fingerprint]) => {
    const tables = Object.values(fingerprint.tables);
    return { database, tables: tables.length, rows: tables.reduce((rows, t) => rows + t.rows, 0) };
  });
}

function errorsOf(state: RunState): Array<{ step: string; error: string; cause: string }> {
  const errors: Array<[string, StepError | undefined]> = [
    ['run', state.error],
    ['WriteReport', state.reportError],
    ['DeleteScratch', state.cleanupError],
  ];
  return errors.flatMap(([step, e]) => (e ? [{ step, error: e.Error, cause: causeText(e.Cause) }] : []));
}

/** Lambda wraps a function's error as JSON in `Cause`; people want its message. */
function causeText(cause: unknown): string {
  if (typeof cause !== 'string') return JSON.stringify(cause ?? '');
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // not JSON: already a message
  }
  return cause;
}

function seconds(timing: StepTiming): number {
  return Math.round((Date.parse(timing.finishedAt) - Date.parse(timing.startedAt)) / 10) / 100;
}

/** What the report says Lifeboat tells AWS Backup: the verdict as ReportValidationResult will see it. */
function validationFields(
  state: RunState,
  report: { key: string; verdict: 'passed' | 'failed' },
  now: string,
): { validationStatus: 'SUCCESSFUL' | 'FAILED' | 'TIMED_OUT'; validationMessage: string } {
  const { status, message } = validationVerdict(
    { ...state, report: { ...report, startedAt: now, finishedAt: now } },
    new Date(now),
  );
  return { validationStatus: status, validationMessage: message };
}

/** Builds the report from the execution state and the stored fingerprints; pure but for the reads. */
export async function buildReport(state: RunState, deps: RestoreVerifyDeps): Promise<RestoreVerifyReport> {
  const request = requestOf(state);
  const { policy } = policyOf(deps, request);
  const now = deps.clock().toISOString();
  const comparison = state.comparison;
  const errors = errorsOf(state);
  const verdict = comparison?.verdict === 'passed' && errors.length === 0 ? 'passed' : 'failed';

  const timings = STEPS.flatMap(([key, step]) => {
    const value = state[key] as StepTiming | undefined;
    return value?.startedAt && value.finishedAt
      ? [{ step, startedAt: value.startedAt, finishedAt: value.finishedAt, seconds: seconds(value) }]
      : [];
  });
  for (const fp of state.fingerprints ?? []) {
    timings.push({
      step: `FingerprintDatabase ${fp.database}${fp.part === undefined ? '' : ` part ${fp.part + 1}`}`,
      startedAt: fp.startedAt,
      finishedAt: fp.finishedAt,
      seconds: seconds(fp),
    });
  }
  const fingerprints = state.fingerprints ? await loadFingerprints(state, deps) : {};
  const comparisons = comparison
    ? (((await deps.reports.get(comparisonKey(request.source.id, request.runId))) as
        DatabaseComparison[] | undefined) ?? [])
    : [];

  const awsBackup = request.awsBackup;
  // An AWS Backup restore test: its job started the restore, and its recovery point holds the data.
  const restoreStartedAt = state.restore?.restoreStartedAt ?? awsBackup?.restoreStartedAt;
  const verifiedAt = verdict === 'passed' ? comparison?.verifiedAt : undefined;
  const rtoMinutes = minutesBetween(restoreStartedAt, verifiedAt);
  const dataAsOf = state.resolved?.dataAsOf ?? awsBackup?.recoveryPointCreatedAt;
  const rpoMinutes = minutesBetween(dataAsOf, restoreStartedAt ?? request.startedAt);
  const snapshot = awsBackup
    ? {
        id: awsBackup.recoveryPointArn.split(':').slice(6).join(':'),
        arn: awsBackup.recoveryPointArn,
        type: 'aws-backup',
        ...(awsBackup.recoveryPointCreatedAt ? { createdAt: awsBackup.recoveryPointCreatedAt } : {}),
      }
    : state.resolved?.id
      ? {
          id: state.resolved.id,
          ...(state.resolved.arn ? { arn: state.resolved.arn } : {}),
          ...(state.resolved.type ? { type: state.resolved.type } : {}),
          ...(state.resolved.createdAt ? { createdAt: state.resolved.createdAt } : {}),
          ...(state.resolved.origin ? { origin: state.resolved.origin } : {}),
        }
      : null;

  return {
    version: REPORT_VERSION,
    verdict,
    source: {
      id: request.source.id,
      kind: request.source.kind,
      engine: request.source.engine || state.validation?.engine || '',
      policy: request.policy,
    },
    snapshot,
    target: request.target.name,
    pointInTime: restoreTimeOf(state) ?? null,
    scratch: state.restore
      ? { id: state.restore.id, instanceId: state.restore.instanceId, kept: request.keepScratch }
      : null,
    execution: request.execution,
    startedAt: request.startedAt,
    finishedAt: now,
    rto: {
      ...(restoreStartedAt ? { restoreStartedAt } : {}),
      ...(verifiedAt ? { verifiedAt } : {}),
      minutes: rtoMinutes,
      objectiveMinutes: policy.rtoMinutes,
      met: rtoMinutes === null ? null : rtoMinutes <= policy.rtoMinutes,
    },
    rpo: {
      ...(dataAsOf ? { dataAsOf } : {}),
      minutes: rpoMinutes,
      objectiveMinutes: policy.rpoMinutes,
      met: rpoMinutes === null ? null : rpoMinutes <= policy.rpoMinutes,
    },
    timings,
    fingerprints: {
      summary: summaryOf(fingerprints),
      databases: fingerprints,
    },
    baseline: comparison?.baseline ?? null,
    ...(comparison?.baselineReason ? { baselineReason: comparison.baselineReason } : {}),
    comparison: {
      verdict:
        comparisons.length === 0
          ? null
          : comparisons.every((c) => c.comparison.verdict === 'same')
            ? 'same'
            : 'different',
      databases: comparisons,
    },
    errors,
    ...(awsBackup
      ? {
          awsBackup: {
            restoreJobId: awsBackup.restoreJobId,
            plan: awsBackup.plan,
            restored: awsBackup.restored,
            recoveryPointArn: awsBackup.recoveryPointArn,
            windowClosesAt: awsBackup.windowClosesAt,
            sourceCovered: awsBackup.sourceCovered,
            ...validationFields(state, { key: reportKey(request.source.id, request.runId), verdict }, now),
          },
        }
      : {}),
  };
}

/** Writes the report to `reports/<source>/<runId>.json`, on success and on failure alike. */
export async function writeReport(
  state: RunState,
  deps: RestoreVerifyDeps,
): Promise<{ key: string; verdict: 'passed' | 'failed' }> {
  const request = requestOf(state);
  return timed(deps, async () => {
    const report = await buildReport(state, deps);
    const key = reportKey(request.source.id, request.runId);
    await deps.reports.put(key, report);
    return { key, verdict: report.verdict };
  });
}

/**
 * Tags the snapshot `lifeboat:verified=<ISO>`, so retention keeps the newest verified one. Only a
 * snapshot Lifeboat made is tagged, and with that one key: a snapshot of someone else's (automated,
 * a team's own manual one) has its verification recorded in the report only. The report is written
 * before, so a failure here sends the run back to WriteReport, which then reports it failed.
 */
export async function markSnapshotVerified(
  state: RunState,
  deps: RestoreVerifyDeps,
): Promise<{ snapshot: string; at: string; tagged: boolean }> {
  const request = requestOf(state);
  const snapshot = state.resolved;
  if (state.report?.verdict !== 'passed') {
    throw new InvalidInputError('MarkSnapshotVerified is only reached after a passed report');
  }
  return timed(deps, async () => {
    const at = deps.clock().toISOString();
    // A point-in-time restore has no snapshot to mark.
    if (!snapshot?.id || !snapshot.arn) return { snapshot: '', at, tagged: false };
    if (!snapshot.owned) return { snapshot: snapshot.id, at, tagged: false };
    await siteOf(deps, request).tagger.tagSnapshot(
      { kind: snapshot.kind, id: snapshot.id, arn: snapshot.arn },
      { [TAG.verified]: at },
    );
    return { snapshot: snapshot.id, at, tagged: true };
  });
}

/** What the state machine does after publishing: succeed, or fail with this error. */
export interface Outcome {
  passed: boolean;
  error: string;
  cause: string;
  kind: 'restore-verify.passed' | 'restore-verify.failed';
}

/** What happened to the scratch instance, as DeleteScratch found it. */
function scratchFate(state: RunState): string {
  if (state.cleanupError) return 'the scratch instance may still exist';
  return state.cleanup ? `scratch: ${state.cleanup.reason}` : 'no scratch instance was made';
}

function nextAction(state: RunState, failing: { error: string }): string {
  if (state.cleanupError) {
    return `Delete scratch instance ${state.request?.mode === 'database' ? state.request.scratchId : ''} by hand if it still exists (the monitor deletes it after its expiry tag).`;
  }
  switch (failing.error) {
    case 'VerificationFailedError':
      return `Open the report: the restored data differs from its baseline, nothing was checked, or the restore did not finish within the RTO. Check the source database and the snapshot before relying on it (${scratchFate(state)}).`;
    case 'AccessDeniedError':
      return `The scratch instance refused its master user and the password Lifeboat set: check that the master user of the source can log in with a password (${scratchFate(state)}).`;
    case 'InvalidInputError':
    case 'ConfigError':
    case 'NotFoundError':
      return `Fix the execution input or the policy, then start the execution again (${scratchFate(state)}).`;
    default:
      return `Look at the failed step in the execution history (${scratchFate(state)}).`;
  }
}

/** What to do about a failed AWS Backup validation, where it differs from a restore-verify's. */
function awsBackupAction(state: RunState, failing: { error: string }): string | undefined {
  const request = state.request?.mode === 'database' ? state.request : undefined;
  const job = request?.awsBackup;
  if (!job) return undefined;
  if (state.validationError) {
    return `AWS Backup still shows restore job ${job.restoreJobId} as VALIDATING: set its result by hand (aws backup put-restore-validation-result --restore-job-id ${job.restoreJobId} --validation-status FAILED) and look at ReportValidationResult in the execution history.`;
  }
  if (failing.error === 'ValidationWindowClosedError') {
    return `Lengthen ValidationWindowHours of the ${job.selections.join(', ')} selection of plan ${job.plan}: AWS Backup deletes ${job.restored.id} when it closes, before Lifeboat could fingerprint it.`;
  }
  if (state.comparison?.noBaseline) {
    return `Give policy "${request.policy}" verify.expectations for ${request.source.id}, or select it with a Lifeboat policy so that its verified restores become the baseline.`;
  }
  return undefined;
}

/** Publishes the outcome to the topic and tells the state machine how to end. */
export async function publishOutcome(state: RunState, deps: RestoreVerifyDeps): Promise<Outcome> {
  const request = state.request?.mode === 'database' ? state.request : undefined;
  const comparison = state.comparison;
  const awsBackup = request?.awsBackup;
  const first = state.error ?? state.reportError ?? state.validationError ?? state.cleanupError;
  const failing = first
    ? { error: first.Error, cause: causeText(first.Cause) }
    : comparison?.verdict !== 'passed'
      ? {
          error: 'VerificationFailedError',
          cause: comparison?.noBaseline
            ? `no baseline to compare with: ${comparison.summary}`
            : `the restored data does not match its baseline: ${comparison?.summary ?? 'no comparison was made'}`,
        }
      : awsBackup && state.validationResult?.status !== 'SUCCESSFUL'
        ? {
            error:
              state.validationResult?.status === 'TIMED_OUT'
                ? 'ValidationWindowClosedError'
                : 'VerificationFailedError',
            cause: state.validationResult?.message ?? 'no validation result was reported',
          }
        : undefined;
  const passed = !failing;
  // Before validation only the raw input (wrapped by ReadInput) says what was asked for.
  const raw = (typeof state.input === 'object' && state.input !== null ? state.input : {}) as {
    source?: unknown;
    policy?: unknown;
  };
  // An AWS Backup event's `source` is "aws.backup", not a database.
  const source =
    request?.source.id ?? (typeof raw.source === 'string' && !isAwsBackupEvent(raw) ? raw.source : undefined);
  const policyName =
    request?.policy ?? state.request?.policy ?? (typeof raw.policy === 'string' ? raw.policy : undefined);
  const kind = passed ? 'restore-verify.passed' : 'restore-verify.failed';
  const rto = minutesBetween(
    state.restore?.restoreStartedAt ?? awsBackup?.restoreStartedAt,
    comparison?.verifiedAt,
  );

  let rtoObjective: number | undefined;
  try {
    rtoObjective = policyName ? getPolicy(deps.policies, policyName).rtoMinutes : undefined;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
  }
  const what = awsBackup
    ? `AWS Backup restore test of ${source} (plan ${awsBackup.plan}, job ${awsBackup.restoreJobId}, reported ${state.validationResult?.status ?? 'nothing: still VALIDATING'})`
    : undefined;
  const summary = what
    ? `${what} ${passed ? 'passed' : 'failed'}: ${passed ? comparison!.summary : `${failing!.error}: ${failing!.cause}`}`.slice(
        0,
        1000,
      )
    : passed
      ? `Restore-verify of ${source} passed: ${comparison!.summary}; restored in ${rto ?? '?'} min (RTO ${rtoObjective ?? '?'} min)`
      : `Restore-verify of ${source ?? '(no source)'} failed: ${failing.error}: ${failing.cause}`.slice(
          0,
          1000,
        );

  const message: NotificationInput = {
    version: 1,
    kind,
    severity: passed ? 'info' : 'critical',
    ...(source ? { database: source } : {}),
    ...(policyName ? { policy: policyName } : {}),
    ...(deps.account ? { account: deps.account } : {}),
    ...(deps.region ? { region: deps.region } : {}),
    summary,
    ...(passed ? {} : { action: awsBackupAction(state, failing) ?? nextAction(state, failing) }),
    details: {
      ...(state.report ? { report: state.report.key } : {}),
      ...(request
        ? { scratch: request.scratchId, target: request.target.name, execution: request.execution }
        : {}),
      ...(state.resolved?.id ? { snapshot: state.resolved.id } : {}),
      ...(restoreTimeOf(state) ? { pointInTime: restoreTimeOf(state) } : {}),
      ...(rto !== null ? { rtoMinutes: rto } : {}),
      ...(comparison ? { differences: comparison.differences } : {}),
      ...(state.cleanup ? { cleanup: state.cleanup.reason } : {}),
      ...(failing ? { error: failing.error } : {}),
      ...(awsBackup
        ? {
            awsBackup: {
              restoreJobId: awsBackup.restoreJobId,
              plan: awsBackup.plan,
              restored: awsBackup.restored.id,
              windowClosesAt: awsBackup.windowClosesAt,
              validationStatus:
                state.validationResult?.current ?? state.validationResult?.status ?? 'VALIDATING',
            },
          }
        : {}),
    },
    at: deps.clock().toISOString(),
  };
  await deps.notifier.publish(message);
  return { passed, kind, error: failing?.error ?? '', cause: failing?.cause ?? '' };
}

/** A scheduled policy run: starts one execution per selected database. */
export async function startDatabaseVerifications(
  state: RunState,
  deps: RestoreVerifyDeps,
): Promise<{ started: Array<{ source: string; executionId: string }> }> {
  const request = state.request;
  if (!request || request.mode !== 'policy') {
    throw new InvalidInputError('StartDatabaseVerifications needs a policy run in $.request');
  }
  if (!deps.starter) throw new ConfigError('this deployment cannot start executions (no starter)');
  return timed(deps, async () => {
    const started = [];
    for (const run of request.runs) {
      const { executionId } = await deps.starter!.start(run.name, run.input);
      started.push({ source: run.input.source, executionId });
    }
    return { started };
  });
}
