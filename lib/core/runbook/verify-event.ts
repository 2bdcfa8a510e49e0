import * as z from '../validation.js';
import { isAwsBackupEvent } from '../aws-backup/restore-test-event.js';
import { InvalidInputError } from '../errors.js';
import { formatIssues } from '../policy/parse.js';

/**
 * EventBridge's "Step Functions Execution Status Change" event of a restore-verify execution that
 * ended (https://docs.aws.amazon.com/step-functions/latest/dg/eventbridge-integration.html). Only
 * the fields the runbooks use are read; EventBridge adds fields over time, so the envelope is not
 * strict, but each field read must be what the documentation says it is.
 */
export const VerifyRunEndedSchema = z.object({
  source: z.literal('aws.states', { error: 'must be "aws.states"' }),
  'detail-type': z.literal('Step Functions Execution Status Change', {
    error: 'must be "Step Functions Execution Status Change"',
  }),
  detail: z.object({
    executionArn: z.string().check(z.regex(/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:/)),
    stateMachineArn: z.string().check(z.regex(/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:/)),
    // RUNNING is announced too; the rule matches the ends only, and a run still going has no report.
    status: z.enum(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'], {
      error: 'must be SUCCEEDED, FAILED, TIMED_OUT or ABORTED (an ended execution)',
    }),
    // The execution's input as JSON text; null when over the event's size limit (inputDetails).
    input: z.nullable(z.string()),
  }),
});

export type VerifyRunEnded = z.infer<typeof VerifyRunEndedSchema>;

/** What the ended execution verified: one database, or nothing a runbook follows (and why). */
export type VerifiedDatabase =
  | { database: string; status: VerifyRunEnded['detail']['status']; execution: string }
  | { skip: string; execution: string };

/**
 * The database an ended restore-verify execution was about, from its input (the execution's own
 * record of what it was asked: the report may not exist when it failed early). A scheduled policy
 * run only started one execution per database, each of which ends with an event of its own.
 */
export function verifiedDatabase(event: unknown, stateMachineArn: string): VerifiedDatabase {
  const result = VerifyRunEndedSchema.safeParse(event);
  if (!result.success) {
    throw new InvalidInputError(
      `not a restore-verify execution status change event:\n${formatIssues(result.error.issues)}`,
    );
  }
  const { detail } = result.data;
  const execution = detail.executionArn;
  if (detail.stateMachineArn !== stateMachineArn) {
    throw new InvalidInputError(
      `detail.stateMachineArn: ${detail.stateMachineArn} is not this deployment's restore-verify state machine (${stateMachineArn})`,
    );
  }
  if (detail.input === null) {
    throw new InvalidInputError(
      `event of ${execution}: detail.input is null (an input too large for the event), so it does not say which database was verified`,
    );
  }
  let input: unknown;
  try {
    input = JSON.parse(detail.input);
  } catch {
    throw new InvalidInputError(`event of ${execution}: detail.input is not JSON`);
  }
  // An AWS Backup restore test's event is the input: its `source` is "aws.backup", not a database.
  if (isAwsBackupEvent(input)) {
    return { skip: 'an AWS Backup restore test: its database is the one AWS Backup restored', execution };
  }
  const fields = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  if (typeof fields.source === 'string' && fields.source !== '') {
    return { database: fields.source, status: detail.status, execution };
  }
  if (typeof fields.policy === 'string') {
    return {
      skip: `a scheduled run of policy ${fields.policy}: each database's own execution writes its runbook`,
      execution,
    };
  }
  return { skip: 'its input names no database (it failed validation)', execution };
}
