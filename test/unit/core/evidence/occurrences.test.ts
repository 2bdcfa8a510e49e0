import { describe, expect, it } from 'vitest';
import { scheduleOccurrences } from '../../../../lib/core/evidence/occurrences.js';

const iso = (times: Date[]) => times.map((t) => t.toISOString());

describe('scheduleOccurrences', () => {
  it('counts every 6 hours over four days as 16 runs, the end excluded', () => {
    const times = scheduleOccurrences(
      'cron(0 */6 * * ? *)',
      new Date('2026-11-01T00:00:00Z'),
      new Date('2026-11-05T00:00:00Z'),
    );
    expect(times).toHaveLength(16);
    expect(times[0]!.toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(times.at(-1)!.toISOString()).toBe('2026-11-04T18:00:00.000Z');
  });

  it('reads day-of-week 1-7 as SUN-SAT, names and numbers alike', () => {
    const from = new Date('2026-11-01T00:00:00Z');
    const to = new Date('2026-12-01T00:00:00Z');
    const sundays = iso(scheduleOccurrences('cron(0 3 ? * SUN *)', from, to));
    expect(sundays).toEqual(iso(scheduleOccurrences('cron(0 3 ? * 1 *)', from, to)));
    expect(sundays).toEqual([
      '2026-11-01T03:00:00.000Z',
      '2026-11-08T03:00:00.000Z',
      '2026-11-15T03:00:00.000Z',
      '2026-11-22T03:00:00.000Z',
      '2026-11-29T03:00:00.000Z',
    ]);
    expect(scheduleOccurrences('cron(30 1 ? * MON-FRI *)', from, to)).toHaveLength(21);
  });

  it('knows L (last day of the month), 2#1 (first Monday) and LW (last weekday)', () => {
    const from = new Date('2026-01-01T00:00:00Z');
    const to = new Date('2026-06-01T00:00:00Z');
    expect(iso(scheduleOccurrences('cron(0 0 L * ? *)', from, to)).map((t) => t.slice(0, 10))).toEqual([
      '2026-01-31',
      '2026-02-28',
      '2026-03-31',
      '2026-04-30',
      '2026-05-31',
    ]);
    expect(iso(scheduleOccurrences('cron(0 0 ? * 2#1 *)', from, to)).map((t) => t.slice(0, 10))).toEqual([
      '2026-01-05',
      '2026-02-02',
      '2026-03-02',
      '2026-04-06',
      '2026-05-04',
    ]);
    // 2026-05-31 is a Sunday: the last weekday of May is Friday the 29th.
    expect(iso(scheduleOccurrences('cron(0 0 LW 5 ? *)', from, to))).toEqual(['2026-05-29T00:00:00.000Z']);
  });

  it('runs at wall-clock times of a time zone, and skips a time daylight saving skips', () => {
    const times = iso(
      scheduleOccurrences(
        'cron(30 2 * * ? *)',
        new Date('2026-03-27T00:00:00Z'),
        new Date('2026-04-01T00:00:00Z'),
        {
          timezone: 'Europe/Berlin',
        },
      ),
    );
    // 02:30 CET is 01:30 UTC; on 2026-03-29 Berlin jumps from 02:00 to 03:00; then 02:30 CEST is 00:30 UTC.
    expect(times).toEqual([
      '2026-03-27T01:30:00.000Z',
      '2026-03-28T01:30:00.000Z',
      '2026-03-30T00:30:00.000Z',
      '2026-03-31T00:30:00.000Z',
    ]);
  });

  it('anchors rate() on a time it is known to have fired', () => {
    const times = iso(
      scheduleOccurrences(
        'rate(6 hours)',
        new Date('2026-11-01T00:00:00Z'),
        new Date('2026-11-02T00:00:00Z'),
        {
          rateAnchor: new Date('2026-11-05T05:00:00Z'),
        },
      ),
    );
    expect(times).toEqual([
      '2026-11-01T05:00:00.000Z',
      '2026-11-01T11:00:00.000Z',
      '2026-11-01T17:00:00.000Z',
      '2026-11-01T23:00:00.000Z',
    ]);
  });

  it('names the field it cannot read', () => {
    expect(() => scheduleOccurrences('cron(0 25 * * ? *)', new Date(0), new Date(86_400_000))).toThrow(
      /cannot read the field "25"/,
    );
  });
});
