import { markSnapshotVerified, publishOutcome, startDatabaseVerifications, writeReport } from './outcome.js';
import { checkScratch, deleteScratch, obtainCredentials, resolveSnapshot, startRestore } from './restore.js';
import type { RestoreVerifyDeps } from './types.js';
import { validateInput } from './validate-input.js';
import {
  reportValidationResult,
  startValidation,
  validateRestoreTestInput,
} from './validate-restore-test.js';
import { isAwsBackupEvent } from '../../aws-backup/restore-test-event.js';
import { compareWithBaseline, fingerprintDatabase, planFingerprints } from './verify.js';

export type { RestoreVerifyDeps } from './types.js';

/** The Task states of state-machines/restore-verify.asl.json, by state name. */
export const TASK_STATES = [
  'ValidateInput',
  'StartDatabaseVerifications',
  'StartValidation',
  'ResolveSnapshot',
  'StartRestore',
  'CheckScratch',
  'ObtainCredentials',
  'PlanFingerprints',
  'FingerprintDatabase',
  'CompareWithBaseline',
  'WriteReport',
  'MarkSnapshotVerified',
  'ReportValidationResult',
  'DeleteScratch',
  'PublishOutcome',
] as const;
export type TaskState = (typeof TASK_STATES)[number];

// The tasks take and return JSON, like a Lambda behind a Task state.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RestoreVerifyTask = (input: any) => Promise<any>;

/**
 * The restore-verify steps bound to their ports, keyed by the ASL Task state names. The Lambda
 * handlers in functions/restore/ wrap these with AWS adapters; the drill and the tests bind them
 * to the ASL directly.
 *
 * @example Run the ASL locally with aws-local-stepfunctions (lib/adapters/local-state-machine.ts
 * does this, with the Wait and Retry intervals zeroed):
 * ```ts
 * import 'lib/polyfills/promise-with-resolvers.js'; // Promise.withResolvers on Node 20
 * import { StateMachine } from 'aws-local-stepfunctions';
 * const machine = new StateMachine(definition, { validationOptions: { checkArn: false } });
 * const { result } = machine.run(
 *   { source: 'app-db' },
 *   { overrides: { taskResourceLocalHandlers: createRestoreVerifyTasks(deps) },
 *     context: { Execution: { Id: 'arn:aws:states:local:000000000000:execution:restore-verify:run-1' } } },
 * );
 * ```
 */
export function createRestoreVerifyTasks(deps: RestoreVerifyDeps): Record<TaskState, RestoreVerifyTask> {
  return {
    // An AWS Backup restore job event (the EventBridge rule's input) validates that restore instead.
    ValidateInput: (event) =>
      isAwsBackupEvent(event?.input) ? validateRestoreTestInput(event, deps) : validateInput(event, deps),
    StartValidation: (state) => startValidation(state, deps),
    StartDatabaseVerifications: (state) => startDatabaseVerifications(state, deps),
    ResolveSnapshot: (state) => resolveSnapshot(state, deps),
    StartRestore: (state) => startRestore(state, deps),
    CheckScratch: (state) => checkScratch(state, deps),
    ObtainCredentials: (state) => obtainCredentials(state, deps),
    PlanFingerprints: (state) => planFingerprints(state, deps),
    FingerprintDatabase: (item) => fingerprintDatabase(item, deps),
    CompareWithBaseline: (state) => compareWithBaseline(state, deps),
    WriteReport: (state) => writeReport(state, deps),
    MarkSnapshotVerified: (state) => markSnapshotVerified(state, deps),
    ReportValidationResult: (state) => reportValidationResult(state, deps),
    DeleteScratch: (state) => deleteScratch(state, deps),
    PublishOutcome: (state) => publishOutcome(state, deps),
  };
}
