import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  allowsAction as allows,
  listOf as list,
  loadTemplate,
  resourcesOfType,
  statementsOf,
  type CfnResource,
} from '../support/template.js';

const template = loadTemplate();
const event = JSON.parse(readFileSync('test/fixtures/events/sfn-restore-verify-ended.json', 'utf8')) as {
  source: string;
  'detail-type': string;
  detail: { stateMachineArn: string };
};
// The restore-verify state machine's ARN as the template builds it (its name is fixed).
const MACHINE_ARN = {
  'Fn::Sub':
    'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:lifeboat-dev-restore-verify',
};

const [ruleId, rule] = resourcesOfType(template, 'AWS::Events::Rule').find(([, r]) =>
  JSON.stringify(r.Properties?.Targets).includes('RunbooksLambdaFunction'),
) ?? ['', {} as CfnResource];
const pattern = rule.Properties?.EventPattern as {
  source: string[];
  'detail-type': string[];
  detail: { status: string[]; stateMachineArn: unknown[] };
};

describe('packaged template: the runbooks after each restore-verify run', () => {
  it("wires every end of the restore-verify machine's executions, and nothing else, to the runbooks function", () => {
    expect(ruleId).not.toBe('');
    expect(pattern.source).toEqual([event.source]);
    expect(pattern['detail-type']).toEqual([event['detail-type']]);
    expect([...pattern.detail.status].sort()).toEqual(['ABORTED', 'FAILED', 'SUCCEEDED', 'TIMED_OUT']);
    expect(pattern.detail.stateMachineArn).toEqual([MACHINE_ARN]);
    const [, machine] = resourcesOfType(template, 'AWS::StepFunctions::StateMachine')[0]!;
    expect(event.detail.stateMachineArn.split(':').pop()).toBe(machine.Properties?.StateMachineName);
    expect(MACHINE_ARN['Fn::Sub'].endsWith(`:${String(machine.Properties?.StateMachineName)}`)).toBe(true);
    const fn = template.Resources.RunbooksLambdaFunction!.Properties as {
      Environment: { Variables: Record<string, unknown> };
    };
    expect(fn.Environment.Variables.LIFEBOAT_RESTORE_VERIFY_ARN).toEqual(MACHINE_ARN);
  });

  it('retries the delivery, keeps what it cannot deliver or run, and alarms on both', () => {
    const [target] = rule.Properties?.Targets as Array<Record<string, unknown>>;
    expect(target).toMatchObject({
      RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['DeliveryFailureQueue', 'Arn'] } },
    });
    expect(template.Resources[`${ruleId}FailedInvocationsAlarm`]?.Type).toBe('AWS::CloudWatch::Alarm');
    expect(template.Resources.RunbooksErrorsAlarm?.Type).toBe('AWS::CloudWatch::Alarm');
    expect(template.Resources.RunbooksLambdaEvConf?.Properties?.DestinationConfig).toEqual({
      OnFailure: { Destination: { 'Fn::GetAtt': ['AsyncFailureQueue', 'Arn'] } },
    });
    // One at a time, so the index is written from the newest reads.
    expect(template.Resources.RunbooksLambdaFunction?.Properties?.ReservedConcurrentExecutions).toBe(1);
  });

  it('gives the function read access and PutObject under runbooks/ only: nothing destructive, no role to assume', () => {
    const statements = statementsOf(template.Resources.RunbooksIamRoleLambdaExecution!);
    const actions = statements.flatMap((s) => list(s.Action));
    const forbidden = [
      'rds:DeleteDBSnapshot',
      'rds:DeleteDBClusterSnapshot',
      'rds:ModifyDBSnapshotAttribute',
      'rds:AddTagsToResource',
      'rds:DeleteDBInstance',
      'rds:RestoreDBInstanceFromDBSnapshot',
      's3:DeleteObject',
      's3:PutBucketPolicy',
      'sts:AssumeRole',
      'kms:Decrypt',
    ];
    expect(forbidden.filter((a) => actions.some((p) => allows(p, a)))).toEqual([]);
    const writes = statements.filter((s) => list(s.Action).some((a) => allows(a, 's3:PutObject')));
    expect(writes.map((s) => s.Resource)).toEqual([{ 'Fn::Sub': '${ReportsBucket.Arn}/runbooks/*' }]);
  });
});
