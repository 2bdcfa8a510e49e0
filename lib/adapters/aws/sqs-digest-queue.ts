import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DigestEntry, DigestQueue } from '../../core/chat/digest.js';
import { parseNotification, type Notification } from '../../core/notification/message.js';

/**
 * The digest queue on SQS. A body that is not a notification is left in the queue; SQS moves it to
 * the dead-letter queue after its receive count, where a person can read it.
 */
export class SqsDigestQueue implements DigestQueue {
  readonly #client: SQSClient;
  readonly #queueUrl: string;

  constructor(options: { client: SQSClient; queueUrl: string }) {
    this.#client = options.client;
    this.#queueUrl = options.queueUrl;
  }

  async enqueue(channel: string, notification: Notification): Promise<void> {
    await this.#client.send(
      new SendMessageCommand({
        QueueUrl: this.#queueUrl,
        MessageBody: JSON.stringify({ channel, notification }),
      }),
    );
  }

  async receive(max: number): Promise<DigestEntry[]> {
    const found = new Map<string, DigestEntry>();
    while (found.size < max) {
      // SQS hands out at most 10 messages per call; an empty answer means the queue is drained.
      const { Messages = [] } = await this.#client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.#queueUrl,
          MaxNumberOfMessages: Math.min(10, max - found.size),
          WaitTimeSeconds: 0,
        }),
      );
      let fresh = 0;
      for (const message of Messages) {
        if (!message.ReceiptHandle || !message.Body || !message.MessageId) continue;
        // A message can come round again within one run if its visibility timeout is shorter
        // than the run; its newest receipt handle is the one that deletes it.
        const seen = found.get(message.MessageId);
        if (seen) {
          seen.receipt = message.ReceiptHandle;
          continue;
        }
        try {
          const body = JSON.parse(message.Body) as { channel?: unknown; notification?: unknown };
          if (typeof body.channel !== 'string') continue;
          found.set(message.MessageId, {
            channel: body.channel,
            notification: parseNotification(body.notification),
            receipt: message.ReceiptHandle,
          });
          fresh++;
        } catch {
          // Left for the dead-letter queue (see the class comment).
        }
      }
      if (fresh === 0) break;
    }
    return [...found.values()];
  }

  async remove(receipts: string[]): Promise<void> {
    for (let start = 0; start < receipts.length; start += 10) {
      await this.#client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.#queueUrl,
          Entries: receipts
            .slice(start, start + 10)
            .map((receipt, index) => ({ Id: String(index), ReceiptHandle: receipt })),
        }),
      );
    }
  }
}
