import { DescribeAccountAttributesCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { RdsAccountQuotas } from '../../../lib/adapters/aws/rds-account-quotas.js';
import { throttling } from '../../support/sdk-errors.js';

// moto 5.2.1 does not implement DescribeAccountAttributes, so the call is checked here against the
// documented response shape (AmazonRDS/latest/APIReference/API_DescribeAccountAttributes.html).
const rds = mockClient(RDSClient);
afterEach(() => rds.reset());

describe('RdsAccountQuotas', () => {
  it('reads every quota with its usage and maximum', async () => {
    rds.on(DescribeAccountAttributesCommand).resolves({
      AccountQuotas: [
        { AccountQuotaName: 'DBInstances', Used: 22, Max: 40 },
        { AccountQuotaName: 'ManualSnapshots', Used: 85, Max: 100 },
        { AccountQuotaName: 'ManualClusterSnapshots', Used: 3, Max: 100 },
        { AccountQuotaName: 'Incomplete' },
      ],
    });

    const quotas = await new RdsAccountQuotas({
      client: new RDSClient({ region: 'us-east-1' }),
    }).accountQuotas();

    expect(rds).toHaveReceivedCommandTimes(DescribeAccountAttributesCommand, 1);
    expect(quotas).toEqual([
      { name: 'DBInstances', used: 22, max: 40 },
      { name: 'ManualSnapshots', used: 85, max: 100 },
      { name: 'ManualClusterSnapshots', used: 3, max: 100 },
    ]);
  });

  it('turns throttling into a retry-later error', async () => {
    rds.on(DescribeAccountAttributesCommand).rejects(await throttling());

    await expect(
      new RdsAccountQuotas({ client: new RDSClient({ region: 'us-east-1' }) }).accountQuotas(),
    ).rejects.toMatchObject({ name: 'RetryLaterError' });
  });
});
