import * as z from './validation.js';

/**
 * How far a scheduled time may lie ahead of the clock that reads it. An EventBridge scheduled
 * event's `time` (and EventBridge Scheduler's `<aws.scheduler.scheduled-time>`) is the instant the
 * schedule fired, so it is never ahead of AWS's clocks; five minutes covers a skewed clock and
 * nothing more. A time further ahead would let a snapshot's id claim a future slot, or let prune
 * decide retention "as of" a day that has not come.
 *
 * The same allowance is what a snapshot's scheduled-at tag may lie after RDS's creation time of
 * the snapshot (see `trustedScheduledAt`).
 */
export const AHEAD_TOLERANCE_MS = 5 * 60_000;

/**
 * How old a scheduled time may be when it arrives. Lambda retries a failed asynchronous invocation
 * for up to 6 hours (maximum event age, https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html),
 * and an operator may redrive one from the failure queue the next morning; a day covers both. An
 * older time is not a late delivery but a replayed or hand-made event: a snapshot named after
 * last month, or retention measured from a past `now`.
 */
export const BEHIND_TOLERANCE_MS = 24 * 3_600_000;

// zod's ISO check: a date, a time with seconds, and `Z` or an offset; no bare dates, no "1".
const InstantSchema = z.iso.datetime({ offset: true });

/** A full ISO 8601 instant (`2026-11-24T04:15:00Z`, `...00.123+01:00`), else undefined. */
export function parseInstant(text: string | undefined): Date | undefined {
  if (text === undefined || !InstantSchema.safeParse(text).success) return undefined;
  const time = new Date(text);
  return Number.isNaN(time.getTime()) ? undefined : time;
}

/** Why `time` is not a scheduled time to act on at `now`, if it is not. */
export function scheduledTimeProblem(time: Date, now: Date): string | undefined {
  const ahead = time.getTime() - now.getTime();
  if (ahead > AHEAD_TOLERANCE_MS) {
    return `is ${minutes(ahead)} ahead of the clock (${now.toISOString()}); a scheduled time is at most ${minutes(AHEAD_TOLERANCE_MS)} ahead`;
  }
  if (-ahead > BEHIND_TOLERANCE_MS) {
    return `is ${minutes(-ahead)} old (clock ${now.toISOString()}); a scheduled time older than ${minutes(BEHIND_TOLERANCE_MS)} is a replayed event`;
  }
  return undefined;
}

/**
 * The `time` of a scheduled event: a full ISO 8601 instant close to `now` (between
 * BEHIND_TOLERANCE_MS before and AHEAD_TOLERANCE_MS after).
 */
export function scheduledTimeSchema(now: Date) {
  return z.string({ error: 'must be an ISO 8601 time such as "2026-11-24T04:15:00Z"' }).check(
    z.refine((text) => parseInstant(text) !== undefined, {
      error: 'must be an ISO 8601 time such as "2026-11-24T04:15:00Z" (date, time with seconds, zone)',
      abort: true,
    }),
    z.superRefine((text, ctx) => {
      const problem = scheduledTimeProblem(parseInstant(text)!, now);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  );
}

function minutes(ms: number): string {
  const total = Math.round(ms / 60_000);
  return total >= 120 ? `${Math.round(total / 60)} hours` : `${total} minutes`;
}

/**
 * What a policy's schedule sends (deploy/config.cjs): the policy's name and the scheduled time.
 * Strict: a misspelt key (`dryrun` for `dryRun`) is refused, not dropped, since dropping it can
 * turn an operator's dry run into a real one.
 */
export function scheduledRunSchema(now: Date) {
  return z.strictObject({
    policy: z
      .string({ error: 'must name a policy of the policy file' })
      .check(z.minLength(1, { error: 'must name a policy of the policy file' })),
    time: scheduledTimeSchema(now),
  });
}
