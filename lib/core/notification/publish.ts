import { LifeboatError } from '../errors.js';
import type { Notifier } from '../ports.js';
import type { UseCaseLogger } from '../use-cases/log.js';
import type { NotificationInput } from './message.js';

/**
 * Publishes a run's notifications, each one tried even if another failed. Returns the error to end
 * the invocation with when any was not published, instead of throwing it: the caller throws its
 * run's own failure first, so a topic that refuses a message never hides what the run did. Either
 * way the invocation fails, and the on-failure queue and its alarm tell someone.
 */
export async function publishAll(
  notifier: Notifier,
  messages: readonly NotificationInput[],
  logger: UseCaseLogger,
): Promise<LifeboatError | undefined> {
  const failures: string[] = [];
  for (const message of messages) {
    try {
      await notifier.publish(message);
    } catch (error) {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      logger.error('notification not published', {
        kind: message.kind,
        summary: message.summary,
        error: reason,
      });
      failures.push(`${message.kind} (${reason})`);
    }
  }
  return failures.length > 0
    ? new LifeboatError(
        `${failures.length} of ${messages.length} notifications not published: ${failures.join('; ')}`,
      )
    : undefined;
}
