// A local Serverless plugin: every EventBridge rule and EventBridge Scheduler schedule of the stack
// reaches its target, retries, and keeps what it could not deliver. It works on the compiled
// template, after the framework (function `schedule`/`eventBridge` events) and serverless-step-functions
// (state machine `schedule` events) have written their rules and schedules, so a schedule added later
// is covered without an edit.
//
// What the frameworks get wrong, and what this plugin does instead:
// - A function's Scheduler schedule names the function's own role as its target role, which has no
//   lambda:InvokeFunction (serverless-iam-roles-per-function writes it from the function's statements),
//   and every function role is made assumable by scheduler.amazonaws.com. Here each Scheduler schedule
//   gets a role of its own that may invoke exactly its target, and no function role trusts a scheduler.
// - serverless-step-functions merges the roles of all schedules of one state machine into one, whose
//   trust keeps the principal of the last: a rule and a Scheduler schedule for the same machine leave one
//   of them unable to start it. Here each schedule that needs a role gets its own.
// - Neither sets a retry policy or a dead-letter queue, so a target that cannot be invoked is retried
//   for up to a day and then forgotten. Here every target retries for at most an hour and then leaves
//   the event in DeliveryFailureQueue (deploy/resources/core.yml), whose depth raises an alarm; the
//   per-rule and per-group delivery alarms are in function-alarms.cjs.

const QUEUE = 'DeliveryFailureQueue';
const GROUP = 'ScheduleGroup';

// An hour of retries (EventBridge and Scheduler back off exponentially between them) covers a
// throttled or briefly unavailable target; a run that still cannot start is late enough to need a
// person, and the event kept in the queue names what did not run.
const RETRY_POLICY = { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 };

const INVOKE_ACTIONS = {
  'AWS::Lambda::Function': 'lambda:InvokeFunction',
  'AWS::StepFunctions::StateMachine': 'states:StartExecution',
};

const referencedId = (value) =>
  value && typeof value === 'object'
    ? (value['Fn::GetAtt'] && value['Fn::GetAtt'][0]) || value.Ref
    : undefined;

class LifeboatScheduleDelivery {
  constructor(serverless) {
    this.serverless = serverless;
    // Runs after serverless-iam-roles-per-function's hook of the same name (listed before it), so the
    // function roles it strips of scheduler trust are the final ones.
    this.hooks = { 'before:package:finalize': () => this.compile() };
  }

  compile() {
    const service = this.serverless.service;
    const resources = service.provider.compiledCloudFormationTemplate.Resources;
    const replacedRoles = new Set();

    /** The action that invokes a target, and the target's ARN expression for a policy. */
    const invocation = (owner, target) => {
      const targetId = referencedId(target.Arn);
      const action = INVOKE_ACTIONS[resources[targetId] && resources[targetId].Type];
      if (!action) {
        throw new Error(
          `${owner}: a schedule target of a kind Lifeboat does not grant (${JSON.stringify(target.Arn)})`,
        );
      }
      return { action, resource: target.Arn };
    };

    const targetRole = (owner, principal, trustCondition, target, extraStatements) => {
      const { action, resource } = invocation(owner, target);
      const roleId = `${owner}TargetRole`;
      resources[roleId] = {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: principal },
                Action: 'sts:AssumeRole',
                Condition: trustCondition,
              },
            ],
          },
          Policies: [
            {
              PolicyName: 'invoke-target',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [{ Effect: 'Allow', Action: action, Resource: resource }, ...extraStatements],
              },
            },
          ],
        },
      };
      const previous = referencedId(target.RoleArn);
      if (previous) replacedRoles.add(previous);
      target.RoleArn = { 'Fn::GetAtt': [roleId, 'Arn'] };
    };

    const sameAccount = { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } };
    const ruleArns = [];
    for (const [logicalId, resource] of Object.entries(resources)) {
      if (resource.Type !== 'AWS::Events::Rule') continue;
      ruleArns.push({ 'Fn::GetAtt': [logicalId, 'Arn'] });
      for (const target of resource.Properties.Targets || []) {
        target.RetryPolicy = { ...RETRY_POLICY };
        target.DeadLetterConfig = { Arn: { 'Fn::GetAtt': [QUEUE, 'Arn'] } };
        const { action } = invocation(logicalId, target);
        // A Lambda target is invoked through the function's resource policy, which the framework
        // scopes to the rule (AWS::Lambda::Permission SourceArn); a state machine needs a role:
        // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html
        if (action === 'lambda:InvokeFunction') continue;
        // The rule's ARN cannot be named in the trust of a role the rule itself refers to (a
        // dependency cycle); the account is, against another account's rules.
        targetRole(logicalId, 'events.amazonaws.com', { StringEquals: sameAccount }, target, []);
      }
    }

    const schedules = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Scheduler::Schedule');
    if (schedules.length > 0) {
      // Lifeboat's own group: Scheduler's metrics are per group only, so the delivery alarm watches
      // Lifeboat's schedules and no one else's, and the trust below names the group.
      resources[GROUP] = {
        Type: 'AWS::Scheduler::ScheduleGroup',
        Properties: { Name: `${service.service}-${service.provider.stage}` },
      };
    }
    for (const [logicalId, resource] of schedules) {
      const target = resource.Properties.Target;
      resource.Properties.GroupName = { Ref: GROUP };
      target.RetryPolicy = { ...RETRY_POLICY };
      target.DeadLetterConfig = { Arn: { 'Fn::GetAtt': [QUEUE, 'Arn'] } };
      // Scheduler assumes the role for schedules of this group in this account only:
      // https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html
      // and sends dead letters as that role:
      // https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html
      targetRole(
        logicalId,
        'scheduler.amazonaws.com',
        { StringEquals: sameAccount, ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [GROUP, 'Arn'] } } },
        target,
        [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [QUEUE, 'Arn'] } }],
      );
    }

    // EventBridge sends a rule's dead letters as itself, so the queue policy names the rules:
    // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html
    if (ruleArns.length > 0) {
      resources[`${QUEUE}Policy`] = {
        Type: 'AWS::SQS::QueuePolicy',
        Properties: {
          Queues: [{ Ref: QUEUE }],
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'RulesSendDeadLetters',
                Effect: 'Allow',
                Principal: { Service: 'events.amazonaws.com' },
                Action: 'sqs:SendMessage',
                Resource: { 'Fn::GetAtt': [QUEUE, 'Arn'] },
                Condition: { ArnEquals: { 'aws:SourceArn': ruleArns } },
              },
            ],
          },
        },
      };
    }

    // The roles serverless-step-functions made for its schedules, now named by none.
    for (const roleId of replacedRoles) {
      if (/IamRoleLambdaExecution$/.test(roleId)) continue;
      const { [roleId]: replaced, ...others } = resources;
      if (replaced && !JSON.stringify(others).includes(`"${roleId}"`)) delete resources[roleId];
    }

    this.removeSchedulerFromFunctionRoles(resources);
  }

  /**
   * The framework adds scheduler.amazonaws.com to the trust of the default Lambda role (and
   * serverless-iam-roles-per-function copies that trust into every function's role) with an invoke
   * grant there. No schedule uses a function role any more; a function role is for Lambda alone.
   */
  removeSchedulerFromFunctionRoles(resources) {
    for (const [logicalId, resource] of Object.entries(resources)) {
      if (resource.Type !== 'AWS::IAM::Role') continue;
      const trust = resource.Properties.AssumeRolePolicyDocument;
      const lambdaTrust = (trust.Statement || []).find(
        (s) => s.Principal && [].concat(s.Principal.Service || []).includes('lambda.amazonaws.com'),
      );
      if (!lambdaTrust) continue;
      lambdaTrust.Principal.Service = []
        .concat(lambdaTrust.Principal.Service)
        .filter((s) => s !== 'scheduler.amazonaws.com');
      // The framework's grant for its schedules (compile/events/schedule.js), on the default role only.
      if (logicalId !== 'IamRoleLambdaExecution') continue;
      for (const policy of resource.Properties.Policies || []) {
        policy.PolicyDocument.Statement = policy.PolicyDocument.Statement.filter(
          (s) => !(s.Effect === 'Allow' && [].concat(s.Action).every((a) => a === 'lambda:InvokeFunction')),
        );
      }
    }
  }
}

module.exports = LifeboatScheduleDelivery;
