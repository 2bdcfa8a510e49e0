import { describe, expect, it } from 'vitest';
import { bucketOf } from '../../../lib/core/retention/periods.js';

const at = (iso: string) => new Date(iso);

describe('bucketOf', () => {
  it('labels days, months and years in UTC', () => {
    expect(bucketOf('daily', at('2026-11-24T23:59:59Z')).label).toBe('2026-11-24');
    expect(bucketOf('monthly', at('2026-11-24T12:00:00Z')).label).toBe('2026-11');
    expect(bucketOf('yearly', at('2026-11-24T12:00:00Z')).label).toBe('2026');
  });

  it('puts a Sunday in the same ISO week as the Monday before it, and the next Monday in the next', () => {
    const monday = bucketOf('weekly', at('2026-11-23T00:00:00Z'));
    const sunday = bucketOf('weekly', at('2026-11-29T23:59:59Z'));
    const nextMonday = bucketOf('weekly', at('2026-11-30T00:00:00Z'));
    expect(monday).toEqual({ index: sunday.index, label: '2026-W48' });
    expect(nextMonday).toEqual({ index: monday.index + 1, label: '2026-W49' });
  });

  it('gives the first days of January to the last ISO week of the year before when their Thursday is', () => {
    expect(bucketOf('weekly', at('2027-01-01T00:00:00Z')).label).toBe('2026-W53');
    expect(bucketOf('weekly', at('2027-01-04T00:00:00Z')).label).toBe('2027-W01');
    expect(bucketOf('weekly', at('2021-01-03T00:00:00Z')).label).toBe('2020-W53');
    expect(bucketOf('weekly', at('2024-12-30T00:00:00Z')).label).toBe('2025-W01');
  });

  it('numbers consecutive periods consecutively across year ends', () => {
    expect(bucketOf('daily', at('2027-01-01T00:00:00Z')).index).toBe(
      bucketOf('daily', at('2026-12-31T23:00:00Z')).index + 1,
    );
    expect(bucketOf('monthly', at('2027-01-15T00:00:00Z')).index).toBe(
      bucketOf('monthly', at('2026-12-15T00:00:00Z')).index + 1,
    );
    expect(bucketOf('weekly', at('2027-01-04T00:00:00Z')).index).toBe(
      bucketOf('weekly', at('2027-01-03T00:00:00Z')).index + 1,
    );
  });

  it('handles times before 1970 without drifting a week', () => {
    expect(bucketOf('weekly', at('1969-12-29T00:00:00Z')).label).toBe('1970-W01');
    expect(bucketOf('weekly', at('1969-12-28T23:00:00Z')).label).toBe('1969-W52');
    expect(bucketOf('weekly', at('1969-12-28T23:00:00Z')).index).toBe(
      bucketOf('weekly', at('1969-12-29T00:00:00Z')).index - 1,
    );
  });
});
