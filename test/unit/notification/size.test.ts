import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseNotification, type Notification } from '../../../lib/core/notification/message.js';
import { fitNotification, SNS_MESSAGE_BYTES } from '../../../lib/core/notification/size.js';

const bytes = (n: Notification) => Buffer.byteLength(JSON.stringify(n));

function notification(fields: Partial<Notification> = {}): Notification {
  return parseNotification({
    version: 1,
    kind: 'restore-verify.failed',
    severity: 'critical',
    summary: 'Restore-verify of app-db failed',
    at: '2026-03-01T04:00:00.000Z',
    ...fields,
  });
}

describe('fitNotification', () => {
  it('leaves a notification that fits as it is', () => {
    const small = notification({ database: 'app-db', details: { report: 'reports/app-db/x.json' } });
    expect(fitNotification(small, bytes)).toBe(small);
  });

  it('shortens any text, list or detail until the message fits, keeping what happened', () => {
    const text = fc.string({ unit: 'binary', minLength: 0, maxLength: 300_000 });
    fc.assert(
      fc.property(text, text, fc.array(text, { maxLength: 4 }), (database, summary, differences) => {
        const big = notification({
          database,
          summary: `x${summary}`,
          action: summary,
          details: { differences, nested: { cause: database } },
        });
        const fitted = fitNotification(big, bytes);
        expect(bytes(fitted)).toBeLessThanOrEqual(SNS_MESSAGE_BYTES);
        expect(parseNotification(fitted)).toEqual(fitted);
        expect(fitted).toMatchObject({ kind: big.kind, severity: big.severity, at: big.at });
      }),
      { numRuns: 25 },
    );
  });

  it('cuts the huge field first and keeps a short one whole', () => {
    const fitted = fitNotification(notification({ database: 'a'.repeat(400_000), policy: 'gold' }), bytes);
    expect(fitted.database!.length).toBeLessThan(20_000);
    expect(fitted.database!.endsWith('…')).toBe(true);
    expect(fitted.policy).toBe('gold');
  });
});
