import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { chatbotMessage, plainTextMessage } from '../../core/chat/chatbot.js';
import {
  parseNotification,
  type Notification,
  type NotificationInput,
} from '../../core/notification/message.js';
import { fitNotification } from '../../core/notification/size.js';

/** The SNS message: one body per kind of subscriber. */
function bodyOf(message: Notification): string {
  return JSON.stringify({
    default: JSON.stringify(message),
    https: JSON.stringify(chatbotMessage(message)),
    email: plainTextMessage(message),
  });
}

export type SnsNotifierOptions = { topicArn: string } & (
  | { client: SNSClient; clientConfig?: never }
  | { client?: never; clientConfig?: ConstructorParameters<typeof SNSClient>[0] }
);

/**
 * Publishes Lifeboat notifications to the SNS topic, with `severity` and `kind` as attributes.
 * The message has one body per kind of subscriber (SNS MessageStructure "json"): the versioned
 * Lifeboat JSON for Lambda, SQS and anything else, AWS Chatbot's custom-notification format for
 * HTTPS (Chatbot subscribes over HTTPS), and plain text for e-mail.
 */
export class SnsNotifier {
  readonly #client: SNSClient;
  readonly #topicArn: string;

  constructor(options: SnsNotifierOptions) {
    this.#client = options.client ?? new SNSClient(options.clientConfig ?? {});
    this.#topicArn = options.topicArn;
  }

  async publish(input: NotificationInput): Promise<Notification> {
    // Every notification of every function passes here: one that would not fit SNS is shortened
    // rather than refused, so an alert always goes out.
    const message = fitNotification(parseNotification(input), (m) => Buffer.byteLength(bodyOf(m)));
    await this.#client.send(
      new PublishCommand({
        TopicArn: this.#topicArn,
        // SNS subjects are limited to 100 printable ASCII characters.
        Subject: `Lifeboat ${message.severity}: ${message.kind}`.slice(0, 100),
        MessageStructure: 'json',
        Message: bodyOf(message),
        MessageAttributes: {
          severity: { DataType: 'String', StringValue: message.severity },
          kind: { DataType: 'String', StringValue: message.kind },
        },
      }),
    );
    return message;
  }
}
