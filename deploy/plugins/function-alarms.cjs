// A local Serverless plugin: every function gets an alarm on its Errors, every state machine one on
// failed executions, both publishing to the Lifeboat topic, so a crash is a notification too. It
// works from the packaged function list, so a function added later is covered without an edit.
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
    // function whose permission went missing never runs to fail).
    for (const [logicalId, resource] of Object.entries(resources)) {
      if (resource.Type !== 'AWS::Events::Rule') continue;
      resources[`${logicalId}FailedInvocationsAlarm`] = {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: {
          AlarmDescription: `EventBridge rule ${logicalId} of ${prefix} could not invoke its target. Check the target's permissions and the rule in the EventBridge console.`,
          Namespace: 'AWS/Events',
          MetricName: 'FailedInvocations',
          Dimensions: [{ Name: 'RuleName', Value: { Ref: logicalId } }],
          Statistic: 'Sum',
          Period: 300,
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
