import {
  parseNotification,
  type Notification,
  type NotificationInput,
} from '../../core/notification/message.js';
import type { Notifier } from '../../core/ports.js';

/**
 * Notifier for the local drill: checks each message against the SNS format, keeps it, and hands it
 * to `show` (the drill prints it where a team would see it in chat).
 */
export class RecordingNotifier implements Notifier {
  readonly messages: Notification[] = [];

  constructor(private readonly show: (message: Notification) => void = () => undefined) {}

  async publish(input: NotificationInput): Promise<Notification> {
    const message = parseNotification(input);
    this.messages.push(message);
    this.show(message);
    return message;
  }
}
