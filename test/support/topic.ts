import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Notification, NotificationInput } from '../../lib/core/notification/message.js';
import type { Notifier } from '../../lib/core/ports.js';
import { motoClientConfig, type Moto } from './moto.js';

/** A Lifeboat topic on moto with an SQS queue subscribed, read back as a team's queue would. */
export interface WatchedTopic {
  topicArn: string;
  /** Everything published since the last call, through the real SNS -> SQS delivery. */
  published(): Promise<Notification[]>;
}

/** Creates (or, after a moto reset, re-creates) the topic and its watching queue. */
export async function watchTopic(moto: Moto, name = 'lifeboat', region?: string): Promise<WatchedTopic> {
  const sns = new SNSClient(motoClientConfig(moto, region));
  const sqs = new SQSClient(motoClientConfig(moto, region));
  const topicArn = (await sns.send(new CreateTopicCommand({ Name: name }))).TopicArn!;
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${name}-watch` }))).QueueUrl!;
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: Attributes!.QueueArn!,
      Attributes: { RawMessageDelivery: 'true' },
    }),
  );
  return {
    topicArn,
    async published() {
      const found: Notification[] = [];
      for (;;) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
        );
        if (Messages.length === 0) return found;
        for (const message of Messages) {
          found.push(JSON.parse(message.Body!) as Notification);
          await sqs.send(
            new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! }),
          );
        }
      }
    },
  };
}

/** A Notifier that keeps what it was given, for unit tests of handlers that publish. */
export function recordingNotifier(): Notifier & { published: NotificationInput[] } {
  const published: NotificationInput[] = [];
  return {
    published,
    publish: async (message) => {
      published.push(message);
      return message;
    },
  };
}
