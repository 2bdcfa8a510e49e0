import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { RECOVERY_METRIC_NAMES } from '../../lib/core/monitor/metrics.js';
import { dashboardUrl } from '../../lib/core/naming/dashboard.js';
import { parsePolicyFile } from '../../lib/core/policy/file.js';
import { loadTemplate, resourcesOfType, type CfnTemplate } from '../support/template.js';

interface Widget {
  type: 'text' | 'metric' | 'alarm';
  x: number;
  y: number;
  width: number;
  height: number;
  properties: {
    title?: string;
    markdown?: string;
    region?: string;
    metrics?: unknown[][];
    alarms?: string[];
    states?: string[];
    annotations?: { horizontal: Array<{ label: string; value: number }> };
  };
}

let template: CfnTemplate;
let widgets: Widget[];
// The template is packaged from the example policy (npm run package, test/support/template.ts).
const policies = parsePolicyFile(readFileSync('lifeboat.example.yml'), 'lifeboat.example.yml').policies;

/** The dashboard body with each intrinsic written as `Ref(X)` or `GetAtt(X.Arn)`, parsed. */
function body(template: CfnTemplate): { widgets: Widget[] } {
  const [[, dashboard]] = resourcesOfType(template, 'AWS::CloudWatch::Dashboard') as unknown as [
    [string, { Properties: { DashboardBody: { 'Fn::Join': [string, unknown[]] } } }],
  ];
  const text = dashboard.Properties.DashboardBody['Fn::Join'][1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const intrinsic = part as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
      if (intrinsic.Ref) return `Ref(${intrinsic.Ref})`;
      if (intrinsic['Fn::GetAtt']) return `GetAtt(${intrinsic['Fn::GetAtt'].join('.')})`;
      throw new Error(`unexpected part of the dashboard body: ${JSON.stringify(part)}`);
    })
    .join('');
  return JSON.parse(text) as { widgets: Widget[] };
}

const expressions = (widget: Widget) =>
  (widget.properties.metrics ?? []).flat().flatMap((m) => {
    const expression = (m as { expression?: string } | null)?.expression;
    return typeof expression === 'string' ? [expression] : [];
  });

beforeAll(() => {
  template = loadTemplate();
  widgets = body(template).widgets;
});

describe('the CloudWatch dashboard', () => {
  it('is one dashboard per stage and region, its URL an output', () => {
    const dashboards = resourcesOfType(template, 'AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    expect(dashboards[0]![1].Properties!.DashboardName).toEqual({ 'Fn::Sub': 'lifeboat-dev-${AWS::Region}' });
    // What `lifeboat status` prints is the URL of this dashboard.
    const output = (template.Outputs!.DashboardUrl as { Value: { 'Fn::Sub': string } }).Value['Fn::Sub'];
    expect(output.replaceAll('${AWS::Region}', 'eu-west-1')).toBe(dashboardUrl('dev', 'eu-west-1'));
  });

  it('draws, per policy, the snapshot and copy ages at the RPO line and the RTO at the RTO line', () => {
    for (const [name, policy] of Object.entries(policies)) {
      const ofPolicy = widgets.filter((w) => expressions(w).some((e) => e.includes(`Policy="${name}"`)));
      const find = (metric: string) =>
        ofPolicy.find((w) => expressions(w).some((e) => e.includes(`MetricName="${metric}"`)));
      const line = (w: Widget | undefined) => w?.properties.annotations?.horizontal[0]?.value;
      expect(line(find('SnapshotAge')), name).toBe(policy.rpoMinutes / 60);
      expect(line(find('VerifiedRestoreRto')), name).toBe(policy.rtoMinutes);
      expect(find('VerifiedRestoreAge'), name).toBeDefined();
      if (policy.copies.length > 0) {
        expect(line(find('CopyAge')), name).toBe(policy.rpoMinutes / 60);
        expect(find('CopyBacklog'), name).toBeDefined();
      } else {
        expect(find('CopyAge'), name).toBeUndefined();
      }
      // The replicated backups' lag is drawn at the RPO line, in minutes, where a target has them.
      if (policy.copies.some((c) => c.pointInTime)) {
        expect(line(find('PointInTimeLag')), name).toBe(policy.rpoMinutes);
      } else {
        expect(find('PointInTimeLag'), name).toBeUndefined();
      }
    }
    expect(Object.values(policies).some((p) => p.copies.some((c) => c.pointInTime))).toBe(true);
  });

  it('only searches for metrics the monitor publishes, in its namespace', () => {
    const searched = widgets
      .flatMap(expressions)
      .map((e) => /Namespace="([^"]+)" MetricName="([^"]+)"/.exec(e))
      .map((m) => [m?.[1], m?.[2]]);
    expect(searched.length).toBeGreaterThan(0);
    for (const [namespace, metric] of searched) {
      expect(namespace).toBe('Lifeboat');
      expect([...RECOVERY_METRIC_NAMES, 'OpenProblems']).toContain(metric);
    }
  });

  it('lists every alarm of the stack in its ALARM widget', () => {
    const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm').map(([id]) => `GetAtt(${id}.Arn)`);
    const widget = widgets.filter((w) => w.type === 'alarm');
    expect(widget.flatMap((w) => w.properties.states)).toEqual(widget.map(() => 'ALARM'));
    expect(widget.flatMap((w) => w.properties.alarms).sort()).toEqual(alarms.sort());
    expect(alarms.length).toBeGreaterThan(10);
  });

  it('shows the errors of every function, the depth of every queue and every state machine', () => {
    const referenced = (title: string) =>
      widgets
        .find((w) => w.properties.title?.startsWith(title))!
        .properties.metrics!.map((m) => String(m[3]));
    const ids = (type: string, form: (id: string) => string) =>
      resourcesOfType(template, type)
        .map(([id]) => form(id))
        .sort();
    expect(referenced('Failures by function').sort()).toEqual(
      ids('AWS::Lambda::Function', (id) => `Ref(${id})`),
    );
    expect(referenced('Dead-letter and failure queue depth').sort()).toEqual(
      ids('AWS::SQS::Queue', (id) => `GetAtt(${id}.QueueName)`),
    );
    expect(new Set(referenced('Restore-verify executions'))).toEqual(
      new Set(ids('AWS::StepFunctions::StateMachine', (id) => `Ref(${id})`)),
    );
  });

  it('lays the widgets out without overlap, in the region of the stack', () => {
    const cells = new Set<string>();
    for (const w of widgets) {
      expect(w.x + w.width).toBeLessThanOrEqual(24);
      if (w.type === 'metric') expect(w.properties.region).toBe('Ref(AWS::Region)');
      for (let x = w.x; x < w.x + w.width; x++)
        for (let y = w.y; y < w.y + w.height; y++) {
          const cell = `${x},${y}`;
          expect(cells.has(cell), `${w.properties.title ?? w.properties.markdown} at ${cell}`).toBe(false);
          cells.add(cell);
        }
    }
  });
});
