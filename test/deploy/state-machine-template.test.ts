import { readFileSync } from 'node:fs';
import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { loadRestoreVerifyDefinition, RESTORE_VERIFY_ASL } from '../../lib/adapters/local-state-machine.js';
import { TASK_STATES } from '../../lib/core/use-cases/restore-verify/tasks.js';
import { decide, rdsArn, resolvedRole, resourceTags } from '../support/iam.js';
import {
  listOf as list,
  loadTemplate,
  resourcesOfType,
  statementsOf,
  type CfnResource,
} from '../support/template.js';

const template = loadTemplate();
const SCRATCH_TAG = resourceTags({ 'lifeboat:scratch': 'true' });

type Definition = { States: Record<string, Record<string, unknown>> };

function tasksOf(definition: Definition): Array<[string, Record<string, unknown>]> {
  return Object.entries(definition.States).flatMap(([name, state]) => {
    const inner = state.ItemProcessor as Definition | undefined;
    return [
      ...(state.Type === 'Task' ? [[name, state] as [string, Record<string, unknown>]] : []),
      ...(inner ? tasksOf(inner) : []),
    ];
  });
}

const [[machineId, machine]] = resourcesOfType(template, 'AWS::StepFunctions::StateMachine').filter(([, r]) =>
  String(r.Properties?.StateMachineName).endsWith('-restore-verify'),
) as [[string, CfnResource]];

describe('state-machines/restore-verify.asl.json', () => {
  const definition = loadRestoreVerifyDefinition();

  it('is valid ASL', () => {
    const { isValid, errorsText } = aslValidator(JSON.parse(readFileSync(RESTORE_VERIFY_ASL, 'utf8')), {
      checkPaths: true,
      checkArn: true,
    });
    expect(errorsText('\n')).toBe('');
    expect(isValid).toBe(true);
  });

  it('has exactly the Task states the task functions are keyed by, each calling its own Lambda', () => {
    const tasks = tasksOf(definition);
    expect(tasks.map(([name]) => name).sort()).toEqual([...TASK_STATES].sort());
    for (const [name, state] of tasks) {
      expect(state.Resource).toEqual({ 'Fn::GetAtt': [`Restore${name}LambdaFunction`, 'Arn'] });
    }
  });

  it('catches every error of every state that can fail, and retries throttling', () => {
    const catching = Object.entries(definition.States).filter(
      ([, s]) => s.Type === 'Task' || s.Type === 'Map',
    );
    for (const [name, state] of catching) {
      const catchers = (state.Catch ?? []) as Array<{ ErrorEquals: string[] }>;
      expect(
        catchers.flatMap((c) => c.ErrorEquals),
        name,
      ).toContain('States.ALL');
    }
    for (const [name, state] of tasksOf(definition)) {
      const retriers = (state.Retry ?? []) as Array<{ ErrorEquals: string[] }>;
      expect(
        retriers.flatMap((r) => r.ErrorEquals),
        name,
      ).toContain('RetryLaterError');
    }
  });

  it('leaves every failure path through DeleteScratch and PublishOutcome', () => {
    const targets = Object.entries(definition.States).flatMap(([name, state]) =>
      ((state.Catch ?? []) as Array<{ Next: string }>).map((c) => [name, c.Next] as const),
    );
    // WriteReport's own failure goes through ReportPassed, which sends it on to DeleteScratch, or to
    // ReportValidationResult (and then PublishOutcome) when validating an AWS Backup restore test.
    const finalSteps = new Set([
      'WriteReport',
      'ReportPassed',
      'DeleteScratch',
      'PublishOutcome',
      'NotificationFailed',
    ]);
    for (const [name, next] of targets) expect(finalSteps.has(next), `${name} -> ${next}`).toBe(true);
    expect(definition.States.WriteReport!.Next).toBe('ReportPassed');
    expect(definition.States.DeleteScratch!.Next).toBe('PublishOutcome');
  });
});

/** The EventBridge rules that start restore-verify. */
function machineRules(): Array<[string, CfnResource]> {
  return resourcesOfType(template, 'AWS::Events::Rule').filter(([, r]) =>
    ((r.Properties?.Targets ?? []) as Array<{ Arn?: unknown }>).some(
      (t) => JSON.stringify(t.Arn) === JSON.stringify({ Ref: machineId }),
    ),
  );
}

describe('restore-verify in the packaged template', () => {
  it('names the state machine as the restore functions expect it', () => {
    expect(machine.Properties?.StateMachineName).toBe('lifeboat-dev-restore-verify');
    const [, substitutions] = (
      machine.Properties?.DefinitionString as { 'Fn::Sub': [string, Record<string, unknown>] }
    )['Fn::Sub'];
    const functions = Object.values(substitutions).map(
      (v) => (v as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0],
    );
    for (const fn of functions) expect(template.Resources[fn!]?.Type).toBe('AWS::Lambda::Function');
  });

  it('lets the state machine role invoke the restore functions only, and delete nothing', () => {
    const roleId = (machine.Properties?.RoleArn as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
    const statements = statementsOf(template.Resources[roleId]!);
    const actions = statements.flatMap((s) => list(s.Action));
    expect(actions.filter((a) => a.startsWith('rds:') || a === '*')).toEqual([]);
    for (const statement of statements.filter((s) => list(s.Action).includes('lambda:InvokeFunction'))) {
      expect(list(statement.Resource)).not.toContain('*');
    }
    expect(machineId).toBeTruthy();
  });

  // Evaluated by a real IAM evaluator; test/deploy/iam-matrix.test.ts holds the full matrices.
  const restoreRoles = resourcesOfType(template, 'AWS::IAM::Role')
    .map(([id]) => id)
    .filter((id) => /^Restore.*IamRoleLambdaExecution$/.test(id));
  const scratch = 'lbs-orders-20261124t0945-a1b2c3';
  const mayDo = async (id: string, action: string, resource: string) =>
    (await decide(resolvedRole(template, id), { action, resource, context: SCRATCH_TAG })).result ===
    'Allowed';

  it('lets only DeleteScratch, of the restore steps, delete a scratch instance or cluster', async () => {
    expect(restoreRoles.length).toBe(TASK_STATES.length);
    const deleters: string[] = [];
    for (const id of restoreRoles) {
      const instance = await mayDo(id, 'rds:DeleteDBInstance', rdsArn.instance(scratch));
      const cluster = await mayDo(id, 'rds:DeleteDBCluster', rdsArn.cluster(scratch));
      expect(instance, id).toBe(cluster);
      if (instance) deleters.push(id);
    }
    expect(deleters).toEqual(['RestoreDeleteScratchIamRoleLambdaExecution']);
  });

  it('lets only ObtainCredentials, of the restore steps, reset a scratch master password', async () => {
    const resetters: string[] = [];
    for (const id of restoreRoles) {
      if (await mayDo(id, 'rds:ModifyDBInstance', rdsArn.instance(scratch))) resetters.push(id);
    }
    expect(resetters).toEqual(['RestoreObtainCredentialsIamRoleLambdaExecution']);
  });

  it('starts a policy run on each policy verify schedule', () => {
    const rules = machineRules().filter(([, r]) => r.Properties?.ScheduleExpression !== undefined);
    expect(rules.map(([, r]) => r.Properties?.ScheduleExpression)).toEqual(['cron(0 3 ? * SUN *)']);
    const target = (
      rules[0]![1].Properties?.Targets as Array<{ InputTransformer: { InputTemplate: string } }>
    )[0]!;
    expect(target.InputTransformer.InputTemplate).toBe('{"policy":"gold","time":<time>}');
  });

  it('starts a validation on each finished RDS or Aurora restore test of a plan a policy validates', () => {
    const rules = machineRules().filter(([, r]) => r.Properties?.EventPattern !== undefined);
    expect(rules).toHaveLength(1);
    const [, rule] = rules[0]!;
    // The documented validation rule (restore-testing-validation.html), narrowed to lifeboat.example.yml's plan.
    expect(rule.Properties?.EventPattern).toEqual({
      source: ['aws.backup'],
      'detail-type': ['Restore Job State Change'],
      detail: {
        status: ['COMPLETED'],
        resourceType: ['RDS', 'Aurora'],
        restoreTestingPlanArn: [
          { wildcard: 'arn:*:backup:*:*:restore-testing-plan:weekly_rds' },
          { wildcard: 'arn:*:backup:*:*:restore-testing-plan:weekly_rds-*' },
        ],
      },
    });
    // The event itself is the input (ValidateInput parses it), delivered like every schedule.
    const [target] = rule.Properties?.Targets as Array<Record<string, unknown>>;
    expect(target).not.toHaveProperty('Input');
    expect(target).not.toHaveProperty('InputTransformer');
    expect(target).not.toHaveProperty('InputPath');
    expect(target!.RetryPolicy).toEqual({ MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 });
    expect(target!.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': ['DeliveryFailureQueue', 'Arn'] } });
  });

  it('lets only ReportValidationResult and StartValidation tell AWS Backup a validation result', async () => {
    const reporters: string[] = [];
    for (const id of restoreRoles) {
      if (await mayDo(id, 'backup:PutRestoreValidationResult', '*')) reporters.push(id);
    }
    expect(reporters.sort()).toEqual([
      'RestoreReportValidationResultIamRoleLambdaExecution',
      'RestoreStartValidationIamRoleLambdaExecution',
    ]);
  });
});
