import type { DatabaseEvidence, RpoAchieved } from './types.js';

/** `45 min`, `6.5 h`, `3.2 d`: a duration people read at a glance; the JSON keeps the minutes. */
export function duration(minutes: number | null): string {
  if (minutes === null) return 'n/a';
  if (minutes < 120) return `${Math.round(minutes * 10) / 10} min`;
  if (minutes < 72 * 60) return `${Math.round((minutes / 60) * 10) / 10} h`;
  return `${Math.round((minutes / 1440) * 10) / 10} d`;
}

/** 2026-11-24 09:30 UTC */
export function instant(iso: string | null): string {
  return iso === null ? 'n/a' : `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

export function verdict(met: boolean | null, unknown = 'not measured'): string {
  return met === null ? unknown : met ? 'met' : 'NOT MET';
}

export function adherenceText(db: DatabaseEvidence): string {
  const a = db.adherence;
  const percent = a.percent === null ? 'n/a' : `${a.percent}%`;
  return `${percent} (${a.taken} taken, ${a.missed} missed of ${a.expected} scheduled; ${a.notCheckable} pruned by retention, not checkable)`;
}

export function rpoText(rpo: RpoAchieved): string {
  const thinned = rpo.gaps.filter((g) => g.thinnedByRetention).length;
  const bound =
    rpo.largestThinnedGapMinutes === null
      ? ''
      : `; ${thinned} gap${thinned === 1 ? '' : 's'} thinned by retention, at most ${duration(rpo.largestThinnedGapMinutes)}`;
  const largest =
    rpo.largestGap === null
      ? 'no gap measurable'
      : `largest gap ${duration(rpo.largestGap.minutes)} (${instant(rpo.largestGap.from)} to ${instant(rpo.largestGap.to)})`;
  return `${largest} against ${duration(rpo.objectiveMinutes)}: ${verdict(rpo.met, 'cannot tell')}${bound}`;
}
