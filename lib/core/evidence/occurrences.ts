import { InvalidInputError } from '../errors.js';

/**
 * When an EventBridge schedule fires between two instants: what "snapshots expected" means in the
 * evidence report. cron() fields are minutes, hours, day-of-month, month, day-of-week (1-7 = SUN-SAT)
 * and year, with `* ? , - /`, month and day names, `L`, `W` and `#`
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html). With a
 * time zone (EventBridge Scheduler) the fields are wall-clock times there; a time skipped by a
 * daylight-saving change does not occur, a repeated one occurs once.
 *
 * rate() has no fixed phase (it counts from when the rule was created), so its occurrences are
 * anchored on a time the caller knows the schedule fired at: the newest scheduled snapshot.
 */
export function scheduleOccurrences(
  expression: string,
  from: Date,
  to: Date,
  options: { timezone?: string; rateAnchor?: Date } = {},
): Date[] {
  const rate = /^rate\((\d+)\s+(minute|hour|day)s?\)$/.exec(expression);
  if (rate) {
    const step = Number(rate[1]) * { minute: 60_000, hour: 3_600_000, day: 86_400_000 }[rate[2]!]!;
    const anchor = (options.rateAnchor ?? from).getTime();
    const first = anchor - Math.floor((anchor - from.getTime()) / step) * step;
    const times: Date[] = [];
    for (let t = first; t < to.getTime(); t += step) if (t >= from.getTime()) times.push(new Date(t));
    return times;
  }
  const cron = parseCron(expression);
  const zone = options.timezone ?? 'UTC';
  const times: Date[] = [];
  // Calendar days are walked as UTC dates: a date is the same in every zone, only its instants move.
  const first = wallDate(from, zone) - DAY_MS;
  const last = wallDate(to, zone) + DAY_MS;
  for (let day = first; day <= last; day += DAY_MS) {
    const date = new Date(day);
    const [year, month, dom, dow] = [
      date.getUTCFullYear(),
      date.getUTCMonth() + 1,
      date.getUTCDate(),
      date.getUTCDay() + 1,
    ];
    if (!cron.year(year) || !cron.month(month) || !cron.dayOfMonth(year, month, dom)) continue;
    if (!cron.dayOfWeek(year, month, dom, dow)) continue;
    for (const hour of cron.hours) {
      for (const minute of cron.minutes) {
        const at = wallToInstant(day + hour * 3_600_000 + minute * 60_000, zone);
        if (at !== undefined && at >= from.getTime() && at < to.getTime()) times.push(new Date(at));
      }
    }
  }
  return [...new Set(times.map((t) => t.getTime()))].sort((a, b) => a - b).map((t) => new Date(t));
}

const DAY_MS = 86_400_000;
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface Cron {
  minutes: number[];
  hours: number[];
  dayOfMonth(year: number, month: number, day: number): boolean;
  month(month: number): boolean;
  dayOfWeek(year: number, month: number, day: number, weekday: number): boolean;
  year(year: number): boolean;
}

function parseCron(expression: string): Cron {
  const fields = /^cron\((.+)\)$/.exec(expression)?.[1]!.trim().split(/\s+/);
  if (!fields || fields.length !== 6) {
    throw new InvalidInputError(`"${expression}" is not an EventBridge rate() or cron() expression`);
  }
  const [minute, hour, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  const bad = (field: string) => new InvalidInputError(`"${expression}": cannot read the field "${field}"`);
  const set = (field: string, min: number, max: number, names: string[] = []) => {
    const values = new Set<number>();
    for (const item of field.split(',')) {
      const m = /^(\*|\?|[A-Z0-9]+)(?:-([A-Z0-9]+))?(?:\/(\d+))?$/i.exec(item);
      if (!m) throw bad(field);
      const value = (text: string) => {
        const named = names.indexOf(text.toUpperCase());
        const n = named >= 0 ? named + min : Number(text);
        if (!Number.isInteger(n) || n < min || n > max) throw bad(field);
        return n;
      };
      const wild = m[1] === '*' || m[1] === '?';
      const start = wild ? min : value(m[1]!);
      const end = m[2] ? value(m[2]) : wild || m[3] ? max : start;
      const step = m[3] ? Number(m[3]) : 1;
      if (step < 1) throw bad(field);
      for (let v = start; v <= end; v += step) values.add(v);
    }
    return values;
  };
  const lastDay = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();
  const weekday = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 1;

  let dayOfMonth: Cron['dayOfMonth'];
  if (dom === 'L') dayOfMonth = (y, m, d) => d === lastDay(y, m);
  else if (/^(L|\d{1,2})W$/.test(dom)) {
    // The weekday nearest to that day, within the month.
    dayOfMonth = (y, m, d) => {
      const days = lastDay(y, m);
      const target = dom === 'LW' ? days : Math.min(Number(dom.slice(0, -1)), days);
      const wd = weekday(y, m, target);
      let nearest = target;
      if (wd === 7) nearest = target === 1 ? 3 : target - 1;
      if (wd === 1) nearest = target === days ? target - 2 : target + 1;
      return d === nearest;
    };
  } else {
    const days = set(dom, 1, 31);
    dayOfMonth = (_y, _m, d) => days.has(d);
  }

  let dayOfWeek: Cron['dayOfWeek'];
  const nth = /^([1-7A-Z]{1,3})#([1-5])$/i.exec(dow);
  const last = /^([1-7A-Z]{1,3})L$/i.exec(dow);
  if (nth) {
    const wanted = [...set(nth[1]!, 1, 7, DAYS)][0]!;
    dayOfWeek = (_y, _m, d, wd) => wd === wanted && Math.ceil(d / 7) === Number(nth[2]);
  } else if (last) {
    const wanted = [...set(last[1]!, 1, 7, DAYS)][0]!;
    dayOfWeek = (y, m, d, wd) => wd === wanted && d + 7 > lastDay(y, m);
  } else {
    const days = set(dow, 1, 7, DAYS);
    dayOfWeek = (_y, _m, _d, wd) => days.has(wd);
  }

  const months = set(month, 1, 12, MONTHS);
  const years = set(year, 1970, 2199);
  return {
    minutes: [...set(minute, 0, 59)].sort((a, b) => a - b),
    hours: [...set(hour, 0, 23)].sort((a, b) => a - b),
    dayOfMonth,
    month: (m) => months.has(m),
    dayOfWeek,
    year: (y) => years.has(y),
  };
}

/** Midnight (as a UTC date) of the calendar day `time` falls on in `zone`. */
function wallDate(time: Date, zone: string): number {
  const wall = time.getTime() + offsetMs(time.getTime(), zone);
  return Math.floor(wall / DAY_MS) * DAY_MS;
}

/** Wall-clock time minus UTC at an instant, in `zone`. */
function offsetMs(instant: number, zone: string): number {
  if (zone === 'UTC') return 0;
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(new Date(instant))
      .map((part) => [part.type, Number(part.value)]),
  ) as Record<string, number>;
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return wall - Math.floor(instant / 1000) * 1000;
}

/** The instant a wall-clock time has in `zone`; undefined when a clock change skips it. */
function wallToInstant(wall: number, zone: string): number | undefined {
  // Two offsets around the time cover both sides of a daylight-saving change; the earlier wins.
  const candidates = [offsetMs(wall - DAY_MS / 2, zone), offsetMs(wall + DAY_MS / 2, zone)]
    .map((offset) => wall - offset)
    .filter((instant) => instant + offsetMs(instant, zone) === wall)
    .sort((a, b) => a - b);
  return candidates[0];
}
