import { InvalidInputError } from '../errors.js';

const MINUTES = { minute: 1, hour: 60, day: 24 * 60 } as const;

/**
 * An upper bound on the time between two runs of an EventBridge schedule, in minutes. `rate()` is
 * exact. For `cron()` the bound comes from the finest field that is restricted: a fixed
 * day-of-week means at most a week, a fixed day-of-month at most 31 days, a fixed month at most a
 * year. It never under-estimates, so a verification is never called stale before it could have
 * run; it may wait longer than needed for unusual expressions (`MON-FRI` is bounded by a week).
 */
export function verifyPeriodMinutes(expression: string): number {
  const rate = /^rate\((\d+)\s+(minute|hour|day)s?\)$/.exec(expression);
  if (rate) return Number(rate[1]) * MINUTES[rate[2] as keyof typeof MINUTES];
  const cron = /^cron\((.+)\)$/.exec(expression);
  const fields = cron?.[1]!.trim().split(/\s+/);
  if (!fields || fields.length !== 6) {
    throw new InvalidInputError(`"${expression}" is not an EventBridge rate() or cron() expression`);
  }
  const [minute, hour, dayOfMonth, month, dayOfWeek, year] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const open = (field: string) => field === '*' || field === '?';
  if (!open(year) || !open(month)) return 366 * MINUTES.day;
  if (!open(dayOfMonth)) return 31 * MINUTES.day;
  if (!open(dayOfWeek)) return 7 * MINUTES.day;
  if (!open(hour)) return MINUTES.day;
  if (!open(minute)) return MINUTES.hour;
  return MINUTES.minute;
}
