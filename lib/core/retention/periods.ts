/**
 * The four grandfather-father-son periods, as calendar buckets in UTC. A bucket has an `index` that
 * grows by one from one period to the next (so "the last 4 weeks" is `index > now.index - 4`) and a
 * `label` an operator reads in a reason ("2026-11-20", "2026-W47", "2026-11", "2026").
 */
export type Period = 'daily' | 'weekly' | 'monthly' | 'yearly';

export const PERIODS: readonly Period[] = ['daily', 'weekly', 'monthly', 'yearly'];

export interface Bucket {
  index: number;
  label: string;
}

const DAY_MS = 86_400_000;
// 1970-01-01 was a Thursday; ISO weeks start on Monday, and 1970-01-05 is the first one.
const FIRST_MONDAY = 4;

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

export function bucketOf(period: Period, time: Date): Bucket {
  const year = time.getUTCFullYear();
  const month = time.getUTCMonth();
  switch (period) {
    case 'daily':
      return { index: Math.floor(time.getTime() / DAY_MS), label: time.toISOString().slice(0, 10) };
    case 'weekly': {
      const day = Math.floor(time.getTime() / DAY_MS);
      return { index: Math.floor((day - FIRST_MONDAY) / 7), label: isoWeekLabel(time) };
    }
    case 'monthly':
      return { index: year * 12 + month, label: `${pad(year, 4)}-${pad(month + 1)}` };
    case 'yearly':
      return { index: year, label: pad(year, 4) };
  }
}

/**
 * ISO 8601 week: the week belongs to the year of its Thursday, so 2026-12-31 (a Thursday) is in
 * 2026-W53 and 2027-01-01 is too.
 */
function isoWeekLabel(time: Date): string {
  const day = Math.floor(time.getTime() / DAY_MS);
  const weekday = (((day - FIRST_MONDAY) % 7) + 7) % 7; // 0 = Monday
  const thursday = new Date((day - weekday + 3) * DAY_MS);
  const weekYear = thursday.getUTCFullYear();
  const firstOfYear = Math.floor(Date.UTC(weekYear, 0, 1) / DAY_MS);
  const week = Math.floor((day - weekday + 3 - firstOfYear) / 7) + 1;
  return `${pad(weekYear, 4)}-W${pad(week)}`;
}
