// A local Serverless plugin: the stack's CloudWatch dashboard, `<service>-<stage>-<region>`, built from the
// packaged template once every resource is in it (the resources files included), so a function,
// queue or alarm added later is on it without an edit. Per policy it draws what the monitor
// publishes per database (lib/core/monitor/metrics.ts: namespace Lifeboat, dimensions Database,
// Policy and, for copies, Target) against the policy's objectives (deploy/config.cjs); then the
// restore-verify executions, failures by function, dead-letter queue depths and the alarms in ALARM.
//
// Databases are chosen by tag at run time, so a policy's widgets are CloudWatch SEARCH expressions
// (one line per database the monitor has published for), not a list fixed at deploy time:
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-search-expressions.html

const NAMESPACE = 'Lifeboat';
// The monitor runs every 15 minutes: one datapoint per period.
const PERIOD = 900;
// An alarm status widget lists at most 100 alarms
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html).
const ALARMS_PER_WIDGET = 100;

const REGION = { Ref: 'AWS::Region' };

/** `Policy="gold"` and the like: exact-match terms of a search expression. */
function search(metricName, policy, stat, divisor) {
  const terms = [`Namespace="${NAMESPACE}"`, `MetricName="${metricName}"`, `Policy="${policy}"`];
  const expression = `SEARCH('${terms.join(' ')}', '${stat}', ${PERIOD})`;
  return divisor === 1 ? expression : `${expression} / ${divisor}`;
}

function searchWidget({ title, metricName, policy, stat = 'Maximum', divisor = 1, unit, line }) {
  return {
    type: 'metric',
    width: 12,
    height: 6,
    properties: {
      title,
      region: REGION,
      view: 'timeSeries',
      period: PERIOD,
      metrics: [[{ expression: search(metricName, policy, stat, divisor), id: 'e1' }]],
      yAxis: { left: { min: 0, label: unit, showUnits: false } },
      ...(line
        ? { annotations: { horizontal: [{ label: line.label, value: line.value, color: '#d13212' }] } }
        : {}),
    },
  };
}

function policyWidgets(objective) {
  const { policy, rpoMinutes, rtoMinutes, verifyDueMinutes, targets, pointInTimeTargets } = objective;
  const rpo = { label: `RPO ${rpoMinutes} min`, value: rpoMinutes / 60 };
  const widgets = [
    {
      type: 'text',
      width: 24,
      height: 1,
      properties: {
        markdown: `## Policy ${policy}: RPO ${rpoMinutes} min, RTO ${rtoMinutes} min${targets.length > 0 ? `, copies to ${targets.join(', ')}` : ''}`,
      },
    },
    searchWidget({
      title: `${policy}: newest snapshot age per database (hours)`,
      metricName: 'SnapshotAge',
      policy,
      divisor: 3600,
      unit: 'hours',
      line: rpo,
    }),
  ];
  if (targets.length > 0) {
    widgets.push(
      searchWidget({
        title: `${policy}: newest DR copy age per database and target (hours)`,
        metricName: 'CopyAge',
        policy,
        divisor: 3600,
        unit: 'hours',
        line: rpo,
      }),
      searchWidget({
        title: `${policy}: copy backlog (snapshots not yet copied) per database and target`,
        metricName: 'CopyBacklog',
        policy,
        unit: 'snapshots',
      }),
    );
  }
  if (pointInTimeTargets.length > 0) {
    widgets.push(
      searchWidget({
        title: `${policy}: point-in-time lag of the replicated backups per database and target (minutes)`,
        metricName: 'PointInTimeLag',
        policy,
        divisor: 60,
        unit: 'minutes',
        line: { label: `RPO ${rpoMinutes} min`, value: rpoMinutes },
      }),
    );
  }
  widgets.push(
    searchWidget({
      title: `${policy}: age of the last verified restore per database (hours)`,
      metricName: 'VerifiedRestoreAge',
      policy,
      divisor: 3600,
      unit: 'hours',
      ...(verifyDueMinutes === null
        ? {}
        : { line: { label: `stale after ${verifyDueMinutes / 60} h`, value: verifyDueMinutes / 60 } }),
    }),
    searchWidget({
      title: `${policy}: measured RTO of the last verified restore per database (minutes)`,
      metricName: 'VerifiedRestoreRto',
      policy,
      divisor: 60,
      unit: 'minutes',
      line: { label: `RTO ${rtoMinutes} min`, value: rtoMinutes },
    }),
  );
  return widgets;
}

function metricWidget(title, metrics, { stat = 'Sum', period = 3600, width = 12, unit } = {}) {
  return {
    type: 'metric',
    width,
    height: 6,
    properties: {
      title,
      region: REGION,
      view: 'timeSeries',
      stat,
      period,
      metrics,
      yAxis: { left: { min: 0, ...(unit ? { label: unit, showUnits: false } : {}) } },
    },
  };
}

/** The dashboard's widgets, top to bottom; CloudWatch lays them out left to right in rows of 24. */
function dashboardWidgets(resources, objectives, prefix) {
  const ofType = (type) =>
    Object.entries(resources)
      .filter(([, resource]) => resource.Type === type)
      .map(([logicalId]) => logicalId)
      .sort();
  const alarms = ofType('AWS::CloudWatch::Alarm');
  const widgets = [
    {
      type: 'text',
      width: 24,
      height: 2,
      properties: {
        markdown: `# Lifeboat ${prefix}\nSnapshot and copy ages, verified restores and RTO per policy and database (published by the monitor every 15 minutes), then failures. \`lifeboat status\` prints the same per database; \`lifeboat evidence\` writes the report of a period.`,
      },
    },
  ];
  for (let i = 0; i < alarms.length; i += ALARMS_PER_WIDGET) {
    widgets.push({
      type: 'alarm',
      width: 24,
      height: 4,
      properties: {
        title: `Alarms in ALARM${alarms.length > ALARMS_PER_WIDGET ? ` (${i / ALARMS_PER_WIDGET + 1})` : ''}`,
        alarms: alarms.slice(i, i + ALARMS_PER_WIDGET).map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] })),
        states: ['ALARM'],
        sortBy: 'stateUpdatedTimestamp',
      },
    });
  }
  for (const objective of objectives) widgets.push(...policyWidgets(objective));

  const machines = ofType('AWS::StepFunctions::StateMachine');
  widgets.push(
    { type: 'text', width: 24, height: 1, properties: { markdown: '## Runs and failures' } },
    metricWidget(
      'Restore-verify executions: succeeded, failed, timed out',
      machines.flatMap((id) =>
        ['ExecutionsSucceeded', 'ExecutionsFailed', 'ExecutionsTimedOut'].map((metric) => [
          'AWS/States',
          metric,
          'StateMachineArn',
          { Ref: id },
          { label: `${id} ${metric.replace('Executions', '').toLowerCase()}` },
        ]),
      ),
      { unit: 'executions' },
    ),
    metricWidget(
      'Failures by function (Lambda Errors)',
      ofType('AWS::Lambda::Function').map((id) => [
        'AWS/Lambda',
        'Errors',
        'FunctionName',
        { Ref: id },
        { label: id.replace(/LambdaFunction$/, '') },
      ]),
      { unit: 'errors' },
    ),
    metricWidget(
      'Dead-letter and failure queue depth',
      ofType('AWS::SQS::Queue').map((id) => [
        'AWS/SQS',
        'ApproximateNumberOfMessagesVisible',
        'QueueName',
        { 'Fn::GetAtt': [id, 'QueueName'] },
        { label: id },
      ]),
      { stat: 'Maximum', period: 300, unit: 'messages' },
    ),
    metricWidget(
      'Open problems the monitor has told',
      [
        [
          {
            expression: `SEARCH('Namespace="${NAMESPACE}" MetricName="OpenProblems"', 'Maximum', ${PERIOD})`,
            id: 'e1',
          },
        ],
      ],
      { stat: 'Maximum', period: PERIOD, unit: 'problems' },
    ),
  );
  return widgets;
}

/**
 * The body as CloudFormation wants it, a JSON string, with the intrinsics (Refs, GetAtts) spliced
 * in by Fn::Join: each one is stringified as a token, and the string is cut at the tokens.
 */
function joinedJson(body) {
  const intrinsics = [];
  const isIntrinsic = (value) =>
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    (value.Ref !== undefined || value['Fn::GetAtt'] !== undefined || value['Fn::Sub'] !== undefined);
  const text = JSON.stringify(body, (_key, value) => {
    if (!isIntrinsic(value)) return value;
    intrinsics.push(value);
    return `@@cfn${intrinsics.length - 1}@@`;
  });
  const parts = [];
  let rest = text;
  for (let index = 0; index < intrinsics.length; index++) {
    const token = `@@cfn${index}@@`;
    const at = rest.indexOf(token);
    parts.push(rest.slice(0, at), intrinsics[index]);
    rest = rest.slice(at + token.length);
  }
  parts.push(rest);
  return { 'Fn::Join': ['', parts.filter((part) => part !== '')] };
}

/** Width-12 widgets two to a row, width-24 ones alone: x and y as CloudWatch wants them. */
function laidOut(widgets) {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return widgets.map((widget) => {
    if (x + widget.width > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const placed = { ...widget, x, y };
    x += widget.width;
    rowHeight = Math.max(rowHeight, widget.height);
    return placed;
  });
}

class LifeboatDashboard {
  constructor(serverless) {
    this.serverless = serverless;
    // After the resources files are merged in, before the template is written.
    this.hooks = { 'after:aws:package:finalize:mergeCustomProviderResources': () => this.compile() };
  }

  compile() {
    const service = this.serverless.service;
    const template = service.provider.compiledCloudFormationTemplate;
    const prefix = `${service.service}-${service.provider.stage}`;
    // Dashboard names are global to the account: a DR site of the same stage in another region has its own.
    const name = { 'Fn::Sub': `${prefix}-\${AWS::Region}` };
    const objectives =
      (service.custom && service.custom.lifeboat && service.custom.lifeboat.objectives) || [];
    const widgets = laidOut(dashboardWidgets(template.Resources, objectives, prefix));
    template.Resources.LifeboatDashboard = {
      Type: 'AWS::CloudWatch::Dashboard',
      Properties: { DashboardName: name, DashboardBody: joinedJson({ widgets }) },
    };
    template.Outputs = template.Outputs || {};
    template.Outputs.DashboardUrl = {
      Description: 'The CloudWatch dashboard of this stage',
      Value: {
        'Fn::Sub': `https://\${AWS::Region}.console.aws.amazon.com/cloudwatch/home?region=\${AWS::Region}#dashboards/dashboard/${prefix}-\${AWS::Region}`,
      },
    };
  }
}

module.exports = LifeboatDashboard;
module.exports.joinedJson = joinedJson;
