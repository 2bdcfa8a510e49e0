import { beforeAll, describe, expect, it } from 'vitest';
import {
  listOf,
  loadTemplate,
  resourcesOfType,
  statementsOf,
  type CfnResource,
  type CfnTemplate,
} from '../support/template.js';

let template: CfnTemplate;

beforeAll(() => {
  template = loadTemplate();
});

// Services that invoke a function asynchronously (docs.aws.amazon.com/lambda/latest/dg/invocation-async.html):
// a failed invocation is retried by Lambda and then dropped unless it has a destination or a DLQ.
const ASYNC_PRINCIPALS = [
  'events.amazonaws.com',
  'sns.amazonaws.com',
  's3.amazonaws.com',
  'scheduler.amazonaws.com',
];

function functionOf(reference: unknown): string | undefined {
  const getAtt = (reference as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt'];
  if (getAtt) return getAtt[0];
  const ref = (reference as { Ref?: string } | undefined)?.Ref;
  return ref;
}

/** Logical ids of every function something invokes asynchronously. */
function asyncFunctions(): string[] {
  const found = new Set<string>();
  for (const [, permission] of resourcesOfType(template, 'AWS::Lambda::Permission')) {
    const principal = permission.Properties?.Principal;
    if (typeof principal === 'string' && ASYNC_PRINCIPALS.includes(principal)) {
      const name = functionOf(permission.Properties?.FunctionName);
      if (name) found.add(name);
    }
  }
  for (const [, schedule] of resourcesOfType(template, 'AWS::Scheduler::Schedule')) {
    const name = functionOf((schedule.Properties?.Target as { Arn?: unknown } | undefined)?.Arn);
    if (name) found.add(name);
  }
  return [...found].sort();
}

function invokeConfigOf(functionId: string): CfnResource | undefined {
  return resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig').find(
    ([, config]) => functionOf(config.Properties?.FunctionName) === functionId,
  )?.[1];
}

function alarmsOn(namespace: string, dimension: string, target: string): CfnResource[] {
  return resourcesOfType(template, 'AWS::CloudWatch::Alarm')
    .map(([, alarm]) => alarm)
    .filter((alarm) => {
      const properties = alarm.Properties ?? {};
      const dimensions = (properties.Dimensions ?? []) as Array<{ Name: string; Value: unknown }>;
      return (
        properties.Namespace === namespace &&
        dimensions.some((d) => d.Name === dimension && functionOf(d.Value) === target)
      );
    });
}

function alarmsTopic(alarm: CfnResource): boolean {
  const actions = (alarm.Properties?.AlarmActions ?? []) as unknown[];
  return actions.some((action) => functionOf(action) === 'LifeboatTopic');
}

describe('notifications in the packaged template', () => {
  it('finds the asynchronously invoked functions, notify and monitor among them', () => {
    expect(asyncFunctions()).toEqual(
      expect.arrayContaining(['NotifyLambdaFunction', 'MonitorLambdaFunction', 'SnapshotLambdaFunction']),
    );
  });

  it('gives every asynchronously invoked function an on-failure queue its role may send to', () => {
    for (const functionId of asyncFunctions()) {
      const destination = (
        invokeConfigOf(functionId)?.Properties?.DestinationConfig as { OnFailure?: { Destination?: unknown } }
      )?.OnFailure?.Destination;
      expect(destination, `${functionId} has no on-failure destination`).toBeDefined();
      const queue = functionOf(destination)!;
      expect(template.Resources[queue]?.Type, `${functionId} fails over to ${queue}`).toBe('AWS::SQS::Queue');

      const roleId = functionOf(template.Resources[functionId]!.Properties?.Role)!;
      const statements = (
        (template.Resources[roleId]!.Properties?.Policies as Array<{
          PolicyDocument: { Statement: unknown[] };
        }>) ?? []
      ).flatMap((policy) => policy.PolicyDocument.Statement) as Array<{ Action: unknown; Resource: unknown }>;
      expect(
        statements.some(
          (statement) =>
            [statement.Action].flat().includes('sqs:SendMessage') &&
            [statement.Resource].flat().some((resource) => functionOf(resource) === queue),
        ),
        `${roleId} may not send to ${queue}`,
      ).toBe(true);
    }
  });

  it('alarms on the errors of every function, to the Lifeboat topic', () => {
    const functions = resourcesOfType(template, 'AWS::Lambda::Function').map(([id]) => id);
    expect(functions.length).toBeGreaterThanOrEqual(4);
    for (const functionId of functions) {
      const alarms = alarmsOn('AWS/Lambda', 'FunctionName', functionId);
      expect(
        alarms.map((alarm) => alarm.Properties?.MetricName),
        functionId,
      ).toContain('Errors');
      expect(alarms.every(alarmsTopic), `${functionId} alarm actions`).toBe(true);
    }
  });

  it('alarms on the failed, timed-out and aborted executions of every state machine', () => {
    for (const [machineId] of resourcesOfType(template, 'AWS::StepFunctions::StateMachine')) {
      const alarm = resourcesOfType(template, 'AWS::CloudWatch::Alarm')
        .map(([, resource]) => resource)
        .find((resource) =>
          JSON.stringify(resource.Properties?.Metrics ?? []).includes(`{"Ref":"${machineId}"}`),
        );
      expect(alarm, `${machineId} has no alarm`).toBeDefined();
      const metrics = JSON.stringify(alarm!.Properties?.Metrics);
      for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted']) {
        expect(metrics).toContain(metric);
      }
      expect(alarmsTopic(alarm!)).toBe(true);
    }
  });

  it('alarms when EventBridge cannot invoke the target of any rule, nor keep the event', () => {
    type Metric = {
      Namespace: string;
      MetricName: string;
      Dimensions: Array<{ Name: string; Value: unknown }>;
    };
    const watched = (alarm: CfnResource) =>
      ((alarm.Properties?.Metrics ?? []) as Array<{ MetricStat?: { Metric: Metric } }>).flatMap((m) =>
        m.MetricStat ? [m.MetricStat.Metric] : [],
      );
    const rules = resourcesOfType(template, 'AWS::Events::Rule').map(([id]) => id);
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm')
        .map(([, alarm]) => alarm)
        .filter((alarm) =>
          watched(alarm).some(
            (m) =>
              m.Namespace === 'AWS/Events' &&
              m.Dimensions.some((d) => d.Name === 'RuleName' && functionOf(d.Value) === rule),
          ),
        );
      expect(alarms, rule).toHaveLength(1);
      expect(
        watched(alarms[0]!)
          .map((m) => m.MetricName)
          .sort(),
        rule,
      ).toEqual(['FailedInvocations', 'InvocationsFailedToBeSentToDlq', 'InvocationsSentToDlq']);
      expect(alarmsTopic(alarms[0]!)).toBe(true);
    }
  });

  it('alarms on the depth of every failure queue', () => {
    for (const queue of ['AsyncFailureQueue', 'NotifyDeadLetterQueue', 'DeliveryFailureQueue']) {
      const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm')
        .map(([, alarm]) => alarm)
        .filter((alarm) =>
          ((alarm.Properties?.Dimensions ?? []) as Array<{ Name: string; Value: unknown }>).some(
            (d) => d.Name === 'QueueName' && functionOf(d.Value) === queue,
          ),
        );
      expect(alarms, queue).toHaveLength(1);
      expect(alarms[0]!.Properties).toMatchObject({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Threshold: 1,
      });
      expect(alarmsTopic(alarms[0]!)).toBe(true);
    }
  });

  it('subscribes notify to the topic with a dead-letter queue SNS may write to', () => {
    const [, subscription] = resourcesOfType(template, 'AWS::SNS::Subscription').find(
      ([, s]) => functionOf(s.Properties?.Endpoint) === 'NotifyLambdaFunction',
    )!;
    expect(functionOf(subscription.Properties?.TopicArn)).toBe('LifeboatTopic');
    const redrive = subscription.Properties?.RedrivePolicy as { deadLetterTargetArn: unknown };
    expect(functionOf(redrive.deadLetterTargetArn)).toBe('NotifyDeadLetterQueue');
    const queuePolicy = resourcesOfType(template, 'AWS::SQS::QueuePolicy').find(([, policy]) =>
      ((policy.Properties?.Queues ?? []) as unknown[]).some((q) => functionOf(q) === 'NotifyDeadLetterQueue'),
    );
    expect(JSON.stringify(queuePolicy?.[1])).toContain('sns.amazonaws.com');
    expect(invokeConfigOf('NotifyLambdaFunction')?.Properties).toMatchObject({ MaximumRetryAttempts: 2 });
  });

  it('moves a digest entry that keeps failing to the notify dead-letter queue', () => {
    const redrive = template.Resources.DigestQueue!.Properties?.RedrivePolicy as {
      deadLetterTargetArn: unknown;
      maxReceiveCount: number;
    };
    expect(functionOf(redrive.deadLetterTargetArn)).toBe('NotifyDeadLetterQueue');
    expect(redrive.maxReceiveCount).toBeGreaterThan(1);
    expect(template.Resources.DigestQueue!.Properties?.VisibilityTimeout).toBeGreaterThan(
      template.Resources.DigestLambdaFunction!.Properties?.Timeout as number,
    );
  });

  it('encrypts the topic with its own KMS key, which CloudWatch may use to publish alarms', () => {
    const topic = template.Resources.LifeboatTopic!;
    expect(topic.Type).toBe('AWS::SNS::Topic');
    const key = functionOf(topic.Properties?.KmsMasterKeyId);
    expect(template.Resources[key!]?.Type).toBe('AWS::KMS::Key');
    expect(JSON.stringify(template.Resources[key!]!.Properties?.KeyPolicy)).toContain(
      'cloudwatch.amazonaws.com',
    );
  });

  it('lets notify read only the webhook secrets the chat settings name, and keeps the URLs out of the template', () => {
    const statements = JSON.stringify(template.Resources.NotifyIamRoleLambdaExecution!.Properties?.Policies);
    expect(statements).toContain('secret:lifeboat/slack-alerts-??????');
    expect(statements).toContain('parameter/lifeboat/slack-quiet');
    expect(statements).not.toMatch(/secretsmanager:[^"]*:secret:\*/);
    expect(JSON.stringify(template)).not.toContain('hooks.slack.com/services/');
  });

  it('keeps the delivery marks notify shares across containers in a private bucket, as long as the dead-letter queue keeps a message', () => {
    const bucket = template.Resources.NotifyDeliveriesBucket!;
    expect(bucket.Type).toBe('AWS::S3::Bucket');
    expect(bucket.Properties?.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    const [rule] = (bucket.Properties?.LifecycleConfiguration as { Rules: Array<Record<string, unknown>> })
      .Rules;
    const retention = Number(template.Resources.NotifyDeadLetterQueue!.Properties?.MessageRetentionPeriod);
    expect(rule).toMatchObject({
      Status: 'Enabled',
      Prefix: 'deliveries/',
      ExpirationInDays: retention / 86_400,
    });

    const variables = (
      template.Resources.NotifyLambdaFunction!.Properties?.Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
    expect(variables.LIFEBOAT_DELIVERY_BUCKET).toEqual({ Ref: 'NotifyDeliveriesBucket' });
    const s3Statements = statementsOf(template.Resources.NotifyIamRoleLambdaExecution!).filter((statement) =>
      listOf(statement.Action).some((action) => action.startsWith('s3:')),
    );
    expect(s3Statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject'],
        Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${NotifyDeliveriesBucket}/deliveries/*' },
      },
    ]);
  });

  it('lets every function that reports outcomes publish to the topic and use its key, and only that key', () => {
    for (const name of ['Snapshot', 'Copy', 'Prune', 'Monitor']) {
      const policies = template.Resources[`${name}IamRoleLambdaExecution`]!.Properties?.Policies as Array<{
        PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> };
      }>;
      const statements = policies.flatMap((policy) => policy.PolicyDocument.Statement);
      const publish = statements.filter((s) => [s.Action].flat().includes('sns:Publish'));
      expect(
        publish.map((s) => s.Resource),
        `${name} publishes outcomes`,
      ).toEqual([{ Ref: 'LifeboatTopic' }]);
      const topicKey = statements.filter((s) => functionOf(s.Resource) === 'LifeboatTopicKey');
      expect(
        topicKey.map((s) => [s.Action].flat().sort()),
        `${name} uses the topic key`,
      ).toEqual([['kms:Decrypt', 'kms:GenerateDataKey*']]);
    }
  });

  // What the monitor's role may delete is evaluated in test/deploy/iam-matrix.test.ts.
  it('runs one monitor at a time', () => {
    expect(template.Resources.MonitorLambdaFunction!.Properties?.ReservedConcurrentExecutions).toBe(1);
  });
});
