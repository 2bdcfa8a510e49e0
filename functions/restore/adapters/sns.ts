import { SNSClient } from '@aws-sdk/client-sns';
import { SnsNotifier } from '../../../lib/adapters/aws/sns-notifier.js';
import type { StepAdapter } from '../deps.js';

/** The Lifeboat topic, for the run's outcome. */
export const topicNotifier: StepAdapter = ({ region, topicArn }) => ({
  notifier: new SnsNotifier({ client: new SNSClient({ region }), topicArn }),
});
