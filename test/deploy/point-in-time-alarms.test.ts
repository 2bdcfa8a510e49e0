import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const config = require('../../deploy/config.cjs') as (variables: unknown) => Promise<{
  pointInTimeAlarms: { Resources: Record<string, { Properties: Record<string, unknown> }> };
}>;

const previous = process.env.LIFEBOAT_POLICY_FILE;
afterEach(() => {
  if (previous === undefined) delete process.env.LIFEBOAT_POLICY_FILE;
  else process.env.LIFEBOAT_POLICY_FILE = previous;
});

describe('the PointInTimeLag alarms', () => {
  it('watches each pointInTime target of a policy at its RPO, and no other target', async () => {
    process.env.LIFEBOAT_POLICY_FILE = 'lifeboat.example.yml';

    const { pointInTimeAlarms } = await config({ options: { region: 'us-east-1' } });

    expect(Object.keys(pointInTimeAlarms.Resources)).toEqual(['PointInTimeLagGoldeuwest1Alarm']);
    expect(pointInTimeAlarms.Resources.PointInTimeLagGoldeuwest1Alarm!.Properties).toMatchObject({
      Namespace: 'Lifeboat',
      MetricName: 'PointInTimeLag',
      Dimensions: [
        { Name: 'Policy', Value: 'gold' },
        { Name: 'Target', Value: 'eu-west-1' },
      ],
      Statistic: 'Maximum',
      Threshold: 360 * 60,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: 'LifeboatTopic' }],
    });
  });

  it("at a DR site watches only the site's own pointInTime target, the lag its monitor publishes", async () => {
    process.env.LIFEBOAT_POLICY_FILE = 'test/fixtures/policies/dr-region-site.yml';

    const { pointInTimeAlarms } = await config({});

    expect(Object.keys(pointInTimeAlarms.Resources)).toEqual(['PointInTimeLagGoldeuwest1Alarm']);
    expect(pointInTimeAlarms.Resources.PointInTimeLagGoldeuwest1Alarm!.Properties).toMatchObject({
      MetricName: 'PointInTimeLag',
      Dimensions: [
        { Name: 'Policy', Value: 'gold' },
        { Name: 'Target', Value: 'eu-west-1' },
      ],
      Threshold: 30 * 60,
      AlarmActions: [{ Ref: 'LifeboatTopic' }],
      OKActions: [{ Ref: 'LifeboatTopic' }],
    });
    expect(pointInTimeAlarms.Resources.PointInTimeLagGoldeuwest1Alarm!.Properties.AlarmDescription).toContain(
      'lifeboat status --site dr',
    );
  });

  it('is none for a DR site whose target has no pointInTime (a DR account)', async () => {
    process.env.LIFEBOAT_POLICY_FILE = 'lifeboat.dr.example.yml';

    expect((await config({})).pointInTimeAlarms).toEqual({ Resources: {} });
  });

  it('is none for a policy file without pointInTime', async () => {
    process.env.LIFEBOAT_POLICY_FILE = 'test/fixtures/policies/valid-minimal.yml';

    expect((await config({ options: { region: 'us-east-1' } })).pointInTimeAlarms).toEqual({ Resources: {} });
  });
});
