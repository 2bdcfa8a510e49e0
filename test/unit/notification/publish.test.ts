import { describe, expect, it } from 'vitest';
import type { NotificationInput } from '../../../lib/core/notification/message.js';
import { publishAll } from '../../../lib/core/notification/publish.js';

const message = (kind: NotificationInput['kind']): NotificationInput => ({
  version: 1,
  kind,
  severity: 'info',
  summary: kind,
  at: '2026-11-24T10:00:00.000Z',
});

function recordingLogger() {
  const errors: Array<Record<string, unknown>> = [];
  return {
    errors,
    info: () => undefined,
    warn: () => undefined,
    error: (_message: string, ...attributes: Array<Record<string, unknown>>) => errors.push(...attributes),
  };
}

describe('publishAll', () => {
  it('tries every message when one is refused, logs the refusal and returns the error to end the run with', async () => {
    const sent: string[] = [];
    const logger = recordingLogger();
    const notifier = {
      publish: async (m: NotificationInput) => {
        if (m.kind === 'copy.failed') throw new Error('KMS.AccessDeniedException');
        sent.push(m.kind);
      },
    };

    const error = await publishAll(notifier, [message('copy.failed'), message('copy.done')], logger);

    expect(sent).toEqual(['copy.done']);
    expect(error?.message).toBe(
      '1 of 2 notifications not published: copy.failed (Error: KMS.AccessDeniedException)',
    );
    expect(logger.errors).toEqual([expect.objectContaining({ kind: 'copy.failed' })]);
  });

  it('returns nothing when every message was published', async () => {
    const logger = recordingLogger();
    expect(
      await publishAll({ publish: async () => undefined }, [message('prune.run')], logger),
    ).toBeUndefined();
    expect(logger.errors).toEqual([]);
  });
});
