import {
  BackupClient,
  DescribeRestoreJobCommand,
  paginateListRestoreTestingSelections,
  PutRestoreValidationResultCommand,
} from '@aws-sdk/client-backup';
import { NotFoundError, RetryLaterError } from '../../core/errors.js';
import type {
  RestoreJob,
  RestoreJobs,
  RestoreTestingSelection,
  RestoreValidationStatus,
} from '../../core/ports.js';

export type BackupRestoreJobsOptions = { region: string } & (
  | { client: BackupClient; clientConfig?: never }
  | { client?: never; clientConfig?: ConstructorParameters<typeof BackupClient>[0] }
);

const TERMINAL = new Set<RestoreValidationStatus>(['SUCCESSFUL', 'FAILED', 'TIMED_OUT']);
const STATUSES = new Set<string>(['VALIDATING', ...TERMINAL]);

/**
 * AWS Backup's common errors (https://docs.aws.amazon.com/aws-backup/latest/devguide/CommonErrors.html)
 * and those of these actions: throttling and ServiceUnavailableException pass, a missing job or
 * plan is NotFoundError; anything else (a refused parameter, AccessDenied) stays as it is.
 */
function mapBackupError(error: unknown, what: string): unknown {
  const name = (error as { name?: unknown }).name;
  const status = (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
  const message = error instanceof Error ? error.message : String(error);
  if (
    name === 'ThrottlingException' ||
    name === 'ServiceUnavailableException' ||
    (typeof status === 'number' && status >= 500)
  ) {
    return new RetryLaterError(`${what}: AWS Backup refused for now (${String(name)}: ${message})`, {
      cause: error,
    });
  }
  if (name === 'ResourceNotFoundException') {
    return new NotFoundError(`${what}: ${message}`, { cause: error });
  }
  return error;
}

/** RestoreJobs over the AWS Backup API in one region of one account. */
export class BackupRestoreJobs implements RestoreJobs {
  readonly region: string;
  readonly #client: BackupClient;

  constructor(options: BackupRestoreJobsOptions) {
    this.region = options.region;
    this.#client = options.client ?? new BackupClient({ region: options.region, ...options.clientConfig });
  }

  async describeJob(restoreJobId: string): Promise<RestoreJob> {
    try {
      const job = await this.#client.send(new DescribeRestoreJobCommand({ RestoreJobId: restoreJobId }));
      return {
        restoreJobId: job.RestoreJobId ?? restoreJobId,
        status: job.Status ?? 'unknown',
        ...(job.ResourceType ? { resourceType: job.ResourceType } : {}),
        ...(job.CreatedResourceArn ? { createdResourceArn: job.CreatedResourceArn } : {}),
        ...(job.SourceResourceArn ? { sourceResourceArn: job.SourceResourceArn } : {}),
        ...(job.RecoveryPointArn ? { recoveryPointArn: job.RecoveryPointArn } : {}),
        ...(job.CreatedBy?.RestoreTestingPlanArn
          ? { restoreTestingPlanArn: job.CreatedBy.RestoreTestingPlanArn }
          : {}),
        ...(job.CreationDate ? { createdAt: job.CreationDate } : {}),
        ...(job.CompletionDate ? { completedAt: job.CompletionDate } : {}),
        ...(job.RecoveryPointCreationDate ? { recoveryPointCreatedAt: job.RecoveryPointCreationDate } : {}),
        ...(job.ValidationStatus && STATUSES.has(job.ValidationStatus)
          ? { validationStatus: job.ValidationStatus as RestoreValidationStatus }
          : {}),
      };
    } catch (error) {
      throw mapBackupError(error, `describing restore job ${restoreJobId}`);
    }
  }

  async listSelections(plan: string): Promise<RestoreTestingSelection[]> {
    const selections: RestoreTestingSelection[] = [];
    try {
      for await (const page of paginateListRestoreTestingSelections(
        { client: this.#client },
        { RestoreTestingPlanName: plan },
      )) {
        for (const selection of page.RestoreTestingSelections ?? []) {
          selections.push({
            name: selection.RestoreTestingSelectionName ?? '',
            resourceType: selection.ProtectedResourceType ?? '',
            // Unset, the restored data "is deleted after the test is complete" (restore-testing.html).
            validationWindowHours: selection.ValidationWindowHours ?? 0,
          });
        }
      }
    } catch (error) {
      throw mapBackupError(error, `listing the selections of restore testing plan ${plan}`);
    }
    return selections;
  }

  /**
   * "Once a validation status is set, it cannot be changed" (restore-testing-validation.html): a
   * repeated event, or a second execution for one job, finds it set and leaves it as it is.
   * VALIDATING is the one status that a final one replaces.
   */
  async putValidationResult(
    restoreJobId: string,
    status: RestoreValidationStatus,
    message: string,
  ): Promise<{ set: boolean; current?: RestoreValidationStatus }> {
    const before = (await this.describeJob(restoreJobId)).validationStatus;
    if (before && (TERMINAL.has(before) || before === status)) return { set: false, current: before };
    try {
      await this.#client.send(
        new PutRestoreValidationResultCommand({
          RestoreJobId: restoreJobId,
          ValidationStatus: status,
          ValidationStatusMessage: message,
        }),
      );
      return { set: true, current: status };
    } catch (error) {
      // Set by someone else between the two calls: what is there now is the answer.
      if ((error as { name?: unknown }).name === 'InvalidRequestException') {
        const now = (await this.describeJob(restoreJobId)).validationStatus;
        if (now && TERMINAL.has(now)) return { set: false, current: now };
      }
      throw mapBackupError(error, `reporting ${status} for restore job ${restoreJobId}`);
    }
  }
}
