// A local Serverless plugin: every function gets an alarm on its Errors, every state machine one on
// failed executions, every EventBridge rule and schedule group one on failed deliveries, all
// publishing to the Lifeboat topic, so a crash is a notification too. It works from the packaged
// template, so a function or schedule added later is covered without an edit.
//
// It also grants each function's own role (serverless-iam-roles-per-function) sqs:SendMessage on its
// `destinations.onFailure` queue: Serverless adds that grant only to the shared default role, and
// Lambda refuses an on-failure destination the function's role cannot send to.

// Any failure within five minutes raises the alarm; the OK action tells the channel it is over.
const ALARM_DEFAULTS = {
  EvaluationPeriods: 1,
  Threshold: 1,
  ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  TreatMissingData: 'notBreaching',
  AlarmActions: [{ Ref: 'LifeboatTopic' }],
  OKActions: [{ Ref: 'LifeboatTopic' }],
};

/** The sum of the delivery-failure metrics of one rule or schedule group, missing data as 0. */
function deliveryFailures(namespace, metricNames, dimension) {
  return {
    Metrics: [
      ...metricNames.map((metric, index) => ({
        Id: `m${index}`,
        ReturnData: false,
        MetricStat: {
          Metric: { Namespace: namespace, MetricName: metric, Dimensions: [dimension] },
          Period: 300,
          Stat: 'Sum',
        },
      })),
      {
        Id: 'failed',
        Expression: metricNames.map((_, index) => `FILL(m${index}, 0)`).join(' + '),
        ReturnData: true,
        Label: 'Failed deliveries',
      },
    ],
  };
}

class LifeboatFunctionAlarms {
  constructor(serverless) {
    this.serverless = serverless;
    // Runs after serverless-iam-roles-per-function's hook of the same name (listed before it).
    this.hooks = { 'before:package:finalize': () => this.compile() };
  }

  compile() {
    const service = this.serverless.service;
    const naming = this.serverless.getProvider('aws').naming;
    const resources = service.provider.compiledCloudFormationTemplate.Resources;
    const prefix = `${service.service}-${service.provider.stage}`;

    for (const name of service.getAllFunctions()) {
      const fn = service.getFunction(name);
      const normalized = naming.getNormalizedFunctionName(name);
      resources[`${normalized}ErrorsAlarm`] = {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: {
          AlarmName: `${prefix}-${name}-errors`,
          AlarmDescription: `Lifeboat function ${name} failed. See its logs (/aws/lambda/${fn.name}); a scheduled or event-driven invocation is kept in the async failure queue after Lambda's retries.`,
          Namespace: 'AWS/Lambda',
          MetricName: 'Errors',
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: naming.getLambdaLogicalId(name) } }],
          Statistic: 'Sum',
          Period: 300,
          ...ALARM_DEFAULTS,
        },
      };

      const onFailure = fn.destinations && fn.destinations.onFailure;
      const role = resources[`${normalized}IamRoleLambdaExecution`];
      if (onFailure && typeof onFailure === 'object' && onFailure.type === 'sqs' && role) {
        const policy = role.Properties.Policies && role.Properties.Policies[0];
        if (policy) {
          policy.PolicyDocument.Statement.push({
            Effect: 'Allow',
            Action: 'sqs:SendMessage',
            Resource: onFailure.arn,
          });
        }
      }
    }

    // EventBridge could not invoke a target (a state machine has no on-failure destination; a
    // function whose permission went missing never runs to fail), or could not keep the event in the
    // delivery failure queue either. Metrics:
    // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html
    for (const [logicalId, resource] of Object.entries(resources)) {
      if (resource.Type !== 'AWS::Events::Rule') continue;
      resources[`${logicalId}FailedInvocationsAlarm`] = {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: {
          AlarmDescription: `EventBridge rule ${logicalId} of ${prefix} could not invoke its target after its retries. The event is in the delivery failure queue; check the target's permissions and the rule in the EventBridge console.`,
          ...deliveryFailures(
            'AWS/Events',
            ['FailedInvocations', 'InvocationsSentToDlq', 'InvocationsFailedToBeSentToDlq'],
            { Name: 'RuleName', Value: { Ref: logicalId } },
          ),
          ...ALARM_DEFAULTS,
        },
      };
    }

    // EventBridge Scheduler publishes per schedule group only, so one alarm watches Lifeboat's group
    // (deploy/plugins/schedule-delivery.cjs); the dead letter names the schedule. A target error is
    // an attempt the target refused (a missing permission), retried until the event is dropped.
    // Metrics: https://docs.aws.amazon.com/scheduler/latest/UserGuide/monitoring-cloudwatch.html
    for (const [logicalId, resource] of Object.entries(resources)) {
      if (resource.Type !== 'AWS::Scheduler::ScheduleGroup') continue;
      resources[`${logicalId}FailedInvocationsAlarm`] = {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: {
          AlarmDescription: `An EventBridge Scheduler schedule of ${prefix} could not invoke its target. The event, naming the schedule, is in the delivery failure queue after its retries; check the schedule's role in the EventBridge Scheduler console.`,
          ...deliveryFailures(
            'AWS/Scheduler',
            [
              'TargetErrorCount',
              'InvocationDroppedCount',
              'InvocationsSentToDeadLetterCount',
              'InvocationsFailedToBeSentToDeadLetterCount',
            ],
            { Name: 'ScheduleGroup', Value: { Ref: logicalId } },
          ),
          ...ALARM_DEFAULTS,
        },
      };
    }

    for (const [logicalId, resource] of Object.entries(resources)) {
      if (resource.Type !== 'AWS::StepFunctions::StateMachine') continue;
      const machineName = resource.Properties && resource.Properties.StateMachineName;
      const label = typeof machineName === 'string' ? machineName : `${prefix}-${logicalId}`;
      resources[`${logicalId}FailedAlarm`] = {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: {
          AlarmName: `${label}-failed`,
          AlarmDescription: `A ${label} execution failed, timed out or was aborted. Open it in the Step Functions console.`,
          Metrics: [
            ...['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted'].map((metric, index) => ({
              Id: `m${index}`,
              ReturnData: false,
              MetricStat: {
                Metric: {
                  Namespace: 'AWS/States',
                  MetricName: metric,
                  Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: logicalId } }],
                },
                Period: 300,
                Stat: 'Sum',
              },
            })),
            {
              Id: 'failed',
              Expression: 'FILL(m0, 0) + FILL(m1, 0) + FILL(m2, 0)',
              ReturnData: true,
              Label: 'Failed executions',
            },
          ],
          ...ALARM_DEFAULTS,
        },
      };
    }
  }
}

module.exports = LifeboatFunctionAlarms;
