import { DescribeAccountAttributesCommand, type RDSClient } from '@aws-sdk/client-rds';
import type { AccountQuota } from '../../core/monitor/housekeeping.js';
import type { QuotaReader } from '../../core/monitor/run.js';
import { mapRdsError } from './rds-errors.js';

/**
 * The account's RDS quotas in one region, from DescribeAccountAttributes: each quota with its name
 * (`ManualSnapshots`, `ManualClusterSnapshots`, ...), what is used and the maximum
 * (docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_AccountQuota.html).
 */
export class RdsAccountQuotas implements QuotaReader {
  readonly #client: RDSClient;

  constructor(options: { client: RDSClient }) {
    this.#client = options.client;
  }

  async accountQuotas(): Promise<AccountQuota[]> {
    try {
      const answer = await this.#client.send(new DescribeAccountAttributesCommand({}));
      return (answer.AccountQuotas ?? []).flatMap((quota) =>
        quota.AccountQuotaName && quota.Used !== undefined && quota.Max !== undefined
          ? [{ name: quota.AccountQuotaName, used: Number(quota.Used), max: Number(quota.Max) }]
          : [],
      );
    } catch (error) {
      throw mapRdsError(error, 'reading the account quotas');
    }
  }
}
