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

  it('is none for a policy file without pointInTime', async () => {
    process.env.LIFEBOAT_POLICY_FILE = 'test/fixtures/policies/valid-minimal.yml';

    expect((await config({ options: { region: 'us-east-1' } })).pointInTimeAlarms).toEqual({ Resources: {} });
  });
});
