import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  arnOfResource,
  decide,
  functionResourcePolicy,
  HOME,
  mayAssume,
  resolvedRole,
  resolveIn,
  serviceMay,
  type PolicyDocument,
} from '../support/iam.js';
import {
  listOf as list,
  loadTemplate,
  resourcesOfType,
  statementsOf,
  type CfnTemplate,
  packageInto,
} from '../support/template.js';

/**
 * Every schedule of the packaged stack, EventBridge rule or EventBridge Scheduler schedule, is judged
 * as AWS delivers it: its service assumes the target role (or, for a rule's Lambda target, passes the
 * function's resource policy), invokes exactly its target, retries, and dead-letters what it cannot
 * deliver into a queue it may send to; and an alarm watches the schedule's delivery failures.
 */

const workDir = mkdtempSync(join(tmpdir(), 'lifeboat-schedules-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** The stack packaged with another policy file, into a directory of its own. */
function packageWith(policyFile: string): CfnTemplate {
  const out = join(workDir, 'out');
  const env: NodeJS.ProcessEnv = { ...process.env, LIFEBOAT_POLICY_FILE: resolvePath(policyFile) };
  for (const name of ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'])
    delete env[name];
  const result = packageInto(out, env);
  if (result.status !== 0) throw new Error(`serverless package failed:\n${result.stdout}${result.stderr}`);
  const template = join(out, 'cloudformation-template-update-stack.json');
  const lint = spawnSync('cfn-lint', ['--ignore-checks', 'W3005', '--', template], { encoding: 'utf8' });
  if (lint.status !== 0) throw new Error(`cfn-lint:\n${lint.stdout}${lint.stderr}`);
  return JSON.parse(readFileSync(template, 'utf8')) as CfnTemplate;
}

type Target = {
  Arn: unknown;
  RoleArn?: unknown;
  RetryPolicy?: { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number };
  DeadLetterConfig?: { Arn?: unknown };
};

interface Schedule {
  id: string;
  kind: 'rule' | 'scheduler';
  /** The service that fires it and calls the target. */
  principal: 'events.amazonaws.com' | 'scheduler.amazonaws.com';
  target: Target;
  targetId: string;
  /** What the condition keys of the service's requests name: the rule, or the schedule group. */
  sourceArn: string;
  groupName?: string;
}

const getAttId = (value: unknown) =>
  (value as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0];
const refId = (value: unknown) => (value as { Ref?: string } | undefined)?.Ref;

function schedulesOf(template: CfnTemplate): Schedule[] {
  const rules = resourcesOfType(template, 'AWS::Events::Rule')
    .filter(([, rule]) => rule.Properties?.ScheduleExpression !== undefined)
    .flatMap(([id, rule]) =>
      (rule.Properties!.Targets as Target[]).map((target): Schedule => ({
        id,
        kind: 'rule',
        principal: 'events.amazonaws.com',
        target,
        targetId: getAttId(target.Arn) ?? refId(target.Arn)!,
        sourceArn: arnOfResource(template, id),
      })),
    );
  const schedules = resourcesOfType(template, 'AWS::Scheduler::Schedule').map(([id, schedule]): Schedule => {
    const target = schedule.Properties!.Target as Target;
    const groupName = String(resolveIn(template, schedule.Properties!.GroupName ?? 'default'));
    return {
      id,
      kind: 'scheduler',
      principal: 'scheduler.amazonaws.com',
      target,
      targetId: getAttId(target.Arn) ?? refId(target.Arn)!,
      sourceArn: `arn:aws:scheduler:${HOME.region}:${HOME.account}:schedule-group/${groupName}`,
      groupName,
    };
  });
  return [...rules, ...schedules];
}

/** What invoking a target takes, per kind of target. */
function invokeAction(template: CfnTemplate, targetId: string): string {
  const type = template.Resources[targetId]?.Type;
  if (type === 'AWS::Lambda::Function') return 'lambda:InvokeFunction';
  if (type === 'AWS::StepFunctions::StateMachine') return 'states:StartExecution';
  throw new Error(`${targetId}: a schedule target of type ${type}`);
}

/** Every function and state machine of the stack: what a schedule must not invoke but for its own. */
function invocables(template: CfnTemplate): Array<{ id: string; action: string; arn: string }> {
  return Object.entries(template.Resources)
    .filter(([, r]) => ['AWS::Lambda::Function', 'AWS::StepFunctions::StateMachine'].includes(r.Type))
    .map(([id]) => ({ id, action: invokeAction(template, id), arn: arnOfResource(template, id) }));
}

/** The policy of a queue, merged from the template's AWS::SQS::QueuePolicy resources that name it. */
function queuePolicy(template: CfnTemplate, queueId: string): PolicyDocument {
  const statements = resourcesOfType(template, 'AWS::SQS::QueuePolicy')
    .filter(([, p]) => list(p.Properties?.Queues as unknown[]).some((q) => refId(q) === queueId))
    .flatMap(([, p]) => (resolveIn(template, p.Properties?.PolicyDocument) as PolicyDocument).Statement);
  return { Version: '2012-10-17', Statement: statements };
}

type AlarmMetric = {
  Namespace: string;
  MetricName: string;
  Dimensions: Array<{ Name: string; Value: unknown }>;
};

/** The metrics each alarm watches, whether one metric or metric math over several. */
function alarmMetrics(
  template: CfnTemplate,
): Array<{ id: string; metrics: AlarmMetric[]; actions: unknown }> {
  return resourcesOfType(template, 'AWS::CloudWatch::Alarm').map(([id, alarm]) => {
    const p = alarm.Properties as Record<string, unknown>;
    const metrics = p.MetricName
      ? [p as unknown as AlarmMetric]
      : ((p.Metrics ?? []) as Array<{ MetricStat?: { Metric: AlarmMetric } }>).flatMap((m) =>
          m.MetricStat ? [m.MetricStat.Metric] : [],
        );
    return { id, metrics, actions: p.AlarmActions };
  });
}

const OTHER_ACCOUNT = '333333333333';

function describeDelivery(label: string, load: () => CfnTemplate, expectKinds: string[]) {
  describe(`schedules of the stack packaged with ${label}`, () => {
    let template: CfnTemplate;
    let schedules: Schedule[];
    beforeAll(() => {
      template = load();
      schedules = schedulesOf(template);
    }, 240_000);

    it('has the schedules of every kind the policy file asks for', () => {
      const kinds = new Set(schedules.map((s) => `${s.kind}:${s.targetId}`));
      for (const kind of expectKinds) expect([...kinds], kind).toContain(kind);
    });

    it("lets each schedule's service, and only it, assume the role that starts its target", async () => {
      for (const schedule of schedules) {
        const role = getAttId(schedule.target.RoleArn);
        if (
          schedule.kind === 'rule' &&
          invokeAction(template, schedule.targetId) === 'lambda:InvokeFunction'
        ) {
          // EventBridge invokes a Lambda target through the function's resource policy (next test).
          continue;
        }
        expect.soft(role, `${schedule.id} names a role of the stack`).toBeDefined();
        const resolved = resolvedRole(template, role!);
        const context = { 'aws:SourceAccount': HOME.account, 'aws:SourceArn': schedule.sourceArn };
        const other =
          schedule.principal === 'events.amazonaws.com' ? 'scheduler.amazonaws.com' : 'events.amazonaws.com';
        expect
          .soft((await mayAssume(resolved, schedule.principal, context)).result, schedule.id)
          .toBe('Allowed');
        expect
          .soft((await mayAssume(resolved, other, context)).result, `${schedule.id} by ${other}`)
          .not.toBe('Allowed');
        expect
          .soft(
            (
              await mayAssume(resolved, schedule.principal, {
                ...context,
                'aws:SourceAccount': OTHER_ACCOUNT,
              })
            ).result,
            `${schedule.id} for another account`,
          )
          .not.toBe('Allowed');
      }
    });

    it('lets each schedule invoke its own target and nothing else', async () => {
      const everything = invocables(template);
      for (const schedule of schedules) {
        const action = invokeAction(template, schedule.targetId);
        const targetArn = arnOfResource(template, schedule.targetId);
        const role = getAttId(schedule.target.RoleArn);
        if (role) {
          const resolved = resolvedRole(template, role);
          const decision = await decide(resolved, { action, resource: targetArn });
          expect.soft(decision.error, schedule.id).toBeUndefined();
          expect.soft(decision.result, `${schedule.id} -> ${schedule.targetId}`).toBe('Allowed');
          for (const other of everything.filter((o) => o.id !== schedule.targetId)) {
            const denied = await decide(resolved, { action: other.action, resource: other.arn });
            expect.soft(denied.result, `${schedule.id} -> ${other.id}`).not.toBe('Allowed');
          }
          const actions = statementsOf(template.Resources[role]!).flatMap((s) => list(s.Action));
          // Scheduler also sends its dead letters as the role; EventBridge as itself (queue policy).
          const expected = schedule.kind === 'scheduler' ? [action, 'sqs:SendMessage'] : [action];
          expect.soft([...new Set(actions)].sort(), role).toEqual(expected.sort());
        } else {
          expect.soft(schedule.kind, `${schedule.id} has no role`).toBe('rule');
          expect.soft(action, schedule.id).toBe('lambda:InvokeFunction');
          const policy = functionResourcePolicy(template, schedule.targetId);
          const request = (sourceArn: string) => ({
            action,
            resource: targetArn,
            context: { 'aws:SourceArn': sourceArn, 'aws:SourceAccount': HOME.account },
          });
          expect
            .soft(
              (await serviceMay(policy, schedule.principal, request(schedule.sourceArn))).result,
              schedule.id,
            )
            .toBe('Allowed');
          const elsewhere = `arn:aws:events:${HOME.region}:${HOME.account}:rule/another-rule`;
          expect
            .soft((await serviceMay(policy, schedule.principal, request(elsewhere))).result)
            .not.toBe('Allowed');
        }
      }
    });

    it('retries each schedule, then keeps what it could not deliver in a queue its service may send to', async () => {
      for (const schedule of schedules) {
        const retry = schedule.target.RetryPolicy;
        expect.soft(retry?.MaximumRetryAttempts, schedule.id).toBeGreaterThanOrEqual(1);
        expect.soft(retry?.MaximumEventAgeInSeconds, schedule.id).toBeGreaterThanOrEqual(60);
        expect.soft(retry?.MaximumEventAgeInSeconds, schedule.id).toBeLessThanOrEqual(86400);
        const queueId = getAttId(schedule.target.DeadLetterConfig?.Arn);
        expect
          .soft(template.Resources[queueId ?? '']?.Type, `${schedule.id} dead-letter queue`)
          .toBe('AWS::SQS::Queue');
        const queueArn = arnOfResource(template, queueId!);
        const send = { action: 'sqs:SendMessage', resource: queueArn };
        if (schedule.kind === 'scheduler') {
          // Scheduler sends dead letters as its execution role:
          // https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html
          const role = resolvedRole(template, getAttId(schedule.target.RoleArn)!);
          expect.soft((await decide(role, send)).result, schedule.id).toBe('Allowed');
        } else {
          // EventBridge sends them as itself, for the rule, so the queue policy must let it:
          // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html
          const policy = queuePolicy(template, queueId!);
          const context = { 'aws:SourceArn': schedule.sourceArn, 'aws:SourceAccount': HOME.account };
          expect
            .soft((await serviceMay(policy, schedule.principal, { ...send, context })).result, schedule.id)
            .toBe('Allowed');
          const elsewhere = {
            ...context,
            'aws:SourceArn': `arn:aws:events:${HOME.region}:${OTHER_ACCOUNT}:rule/x`,
          };
          expect
            .soft((await serviceMay(policy, schedule.principal, { ...send, context: elsewhere })).result)
            .not.toBe('Allowed');
        }
      }
    });

    it("raises an alarm on the Lifeboat topic when a schedule's deliveries fail", () => {
      const alarms = alarmMetrics(template);
      const watching = (namespace: string, metricName: string, dimension: string, value: unknown) =>
        alarms.filter(
          (a) =>
            JSON.stringify(a.actions) === JSON.stringify([{ Ref: 'LifeboatTopic' }]) &&
            a.metrics.some(
              (m) =>
                m.Namespace === namespace &&
                m.MetricName === metricName &&
                m.Dimensions.some(
                  (d) =>
                    d.Name === dimension &&
                    JSON.stringify(resolveIn(template, d.Value)) ===
                      JSON.stringify(resolveIn(template, value)),
                ),
            ),
        );
      for (const schedule of schedules) {
        // Metric names and dimensions: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html
        // and https://docs.aws.amazon.com/scheduler/latest/UserGuide/monitoring-cloudwatch.html (per group only).
        const metrics =
          schedule.kind === 'rule'
            ? ['FailedInvocations', 'InvocationsFailedToBeSentToDlq'].map((m) =>
                watching('AWS/Events', m, 'RuleName', { Ref: schedule.id }),
              )
            : [
                'TargetErrorCount',
                'InvocationDroppedCount',
                'InvocationsFailedToBeSentToDeadLetterCount',
              ].map((m) => watching('AWS/Scheduler', m, 'ScheduleGroup', schedule.groupName));
        for (const found of metrics) expect.soft(found.length, schedule.id).toBeGreaterThan(0);
      }
    });

    it('lets no scheduling service assume the role of a function', async () => {
      for (const [id, fn] of resourcesOfType(template, 'AWS::Lambda::Function')) {
        const role = resolvedRole(template, getAttId(fn.Properties?.Role)!);
        for (const principal of ['scheduler.amazonaws.com', 'events.amazonaws.com']) {
          const context = { 'aws:SourceAccount': HOME.account };
          expect((await mayAssume(role, principal, context)).result, `${id} by ${principal}`).not.toBe(
            'Allowed',
          );
        }
      }
    });
  });
}

const MACHINE = 'LifeboatDashdevDashrestoreDashverify';

// The class: a timezone schedule and a plain one, for snapshots and for restore-verify alike.
describeDelivery(
  'test/fixtures/policies/mixed-schedules.yml',
  () => packageWith('test/fixtures/policies/mixed-schedules.yml'),
  [
    'scheduler:SnapshotLambdaFunction',
    'rule:SnapshotLambdaFunction',
    `scheduler:${MACHINE}`,
    `rule:${MACHINE}`,
    'rule:PruneLambdaFunction',
    'rule:MonitorLambdaFunction',
    'rule:CopyLambdaFunction',
  ],
);

describeDelivery('lifeboat.example.yml', loadTemplate, [
  'scheduler:SnapshotLambdaFunction',
  'rule:SnapshotLambdaFunction',
  `rule:${MACHINE}`,
]);
