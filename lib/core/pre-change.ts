import { InvalidInputError } from './errors.js';
import { parseInstant } from './scheduled-time.js';
import { TAG, type Tags } from './tags.js';

/**
 * RDS tag values: at most 256 characters, only Unicode letters, digits, white space and
 * `_ . : / = + - @`, and not starting with `aws:` or `rds:`
 * (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_Tag.html,
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Tagging.html). moto accepts any
 * value, so the reason is checked here, before anything is created.
 */
export const MAX_TAG_VALUE_LENGTH = 256;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** Why `reason` cannot be the lifeboat:reason tag of a snapshot, if it cannot. */
export function reasonProblem(reason: string): string | undefined {
  if (reason.trim() === '') return 'is empty; say why the snapshot is taken, e.g. "migration 42"';
  const length = [...reason].length;
  if (length > MAX_TAG_VALUE_LENGTH) {
    return `is ${length} characters; an RDS tag value holds at most ${MAX_TAG_VALUE_LENGTH}`;
  }
  if (!TAG_VALUE.test(reason)) {
    const bad = [...new Set([...reason].filter((c) => !TAG_VALUE.test(c)))].join(' ');
    return `has characters an RDS tag value cannot hold (${bad}); use letters, digits, spaces and _ . : / = + - @`;
  }
  if (/^(aws|rds):/i.test(reason)) return 'starts with "aws:" or "rds:", which RDS keeps for itself';
  return undefined;
}

/**
 * A pre-change snapshot is kept through a change and its roll-back, not for years: beyond this a
 * keep-until is a typo (2999 for 2029) that would hold a manual snapshot, and a place in the
 * account's manual-snapshot quota, forever. Long-term copies are the yearly retention's job.
 */
export const MAX_KEEP_DAYS = 366;

/**
 * Until when a pre-change snapshot is kept: `keepUntil` (an ISO 8601 instant) or `keepDays` days
 * after `now`, exactly one of them, in the future and at most MAX_KEEP_DAYS away.
 */
export function keepUntilFrom(request: { keepDays?: number; keepUntil?: string }, now: Date): Date {
  const until = requestedKeepUntil(request, now);
  if (until.getTime() - now.getTime() > MAX_KEEP_DAYS * 86_400_000) {
    throw new InvalidInputError(
      `keep-until ${until.toISOString()} is more than ${MAX_KEEP_DAYS} days away; a pre-change snapshot is kept ` +
        "through a change, and the policy's yearly retention keeps snapshots for longer",
    );
  }
  return until;
}

function requestedKeepUntil(request: { keepDays?: number; keepUntil?: string }, now: Date): Date {
  const { keepDays, keepUntil } = request;
  if (keepDays !== undefined && keepUntil !== undefined) {
    throw new InvalidInputError('keep-days and keep-until are exclusive: give one of them');
  }
  if (keepUntil !== undefined) {
    const until = parseInstant(keepUntil);
    if (!until) {
      throw new InvalidInputError(
        `keep-until "${keepUntil}" is not an ISO 8601 time such as 2026-12-24T00:00:00Z (date, time, zone)`,
      );
    }
    if (until.getTime() <= now.getTime()) {
      throw new InvalidInputError(
        `keep-until ${until.toISOString()} is in the past (now ${now.toISOString()}); a snapshot is kept until a later time`,
      );
    }
    return until;
  }
  const days = keepDays ?? DEFAULT_KEEP_DAYS;
  if (!Number.isInteger(days) || days < 1) {
    throw new InvalidInputError(`keep-days ${String(keepDays)} is not a whole number of days, 1 or more`);
  }
  return new Date(now.getTime() + days * 86_400_000);
}

/** Without --keep-days or --keep-until: a week, time to see a change through and roll it back. */
export const DEFAULT_KEEP_DAYS = 7;

/** The keep-until time of a snapshot, if it carries one that is a full ISO 8601 instant. */
export function keepUntilOf(tags: Tags): Date | undefined {
  return parseInstant(tags[TAG.keepUntil]);
}
