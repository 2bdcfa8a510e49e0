import { duration } from './format.js';
import type { DatabaseEvidence, Gap } from './types.js';

/** Inline SVG charts of the evidence: no script, no external file, prints as drawn. */

const WIDTH = 720;
const HEIGHT = 180;
const MARGIN = { left: 64, right: 16, top: 14, bottom: 28 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;
// One colour per series: the source region first, then the copy targets in policy order.
const SERIES_COLOURS = ['#1f5fa8', '#2e8540', '#8a4baf', '#b36b00', '#00798c'];

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

interface Frame {
  x(iso: string | number): number;
  y(minutes: number): number;
}

const n = (value: number) => Math.round(value * 10) / 10;

function frame(period: { from: string; to: string }, maxMinutes: number): Frame {
  const from = Date.parse(period.from);
  const span = Math.max(1, Date.parse(period.to) - from);
  const top = Math.max(1, maxMinutes);
  return {
    x: (at) => {
      const t = typeof at === 'number' ? at : Date.parse(at);
      return n(MARGIN.left + (Math.min(Math.max(t - from, 0), span) / span) * PLOT_W);
    },
    y: (minutes) => n(MARGIN.top + PLOT_H - (Math.min(minutes, top) / top) * PLOT_H),
  };
}

function svg(kind: string, label: string, body: string[]): string {
  return [
    `<svg class="chart" data-chart="${kind}" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${escapeHtml(label)}" xmlns="http://www.w3.org/2000/svg">`,
    `<title>${escapeHtml(label)}</title>`,
    ...body,
    '</svg>',
  ].join('\n');
}

/** Date ticks along the bottom and a frame round the plot. */
function timeAxis(period: { from: string; to: string }, f: Frame): string[] {
  const from = Date.parse(period.from);
  const to = Date.parse(period.to);
  const parts = [
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${PLOT_W}" height="${PLOT_H}" class="plot"/>`,
  ];
  const ticks = 6;
  for (let i = 0; i <= ticks; i++) {
    const t = from + ((to - from) * i) / ticks;
    const x = f.x(t);
    const label = new Date(t).toISOString().slice(0, 10);
    parts.push(
      `<line x1="${x}" y1="${MARGIN.top + PLOT_H}" x2="${x}" y2="${MARGIN.top + PLOT_H + 4}" class="tick"/>`,
      `<text x="${x}" y="${HEIGHT - 8}" text-anchor="${i === 0 ? 'start' : i === ticks ? 'end' : 'middle'}" class="axis">${label}</text>`,
    );
  }
  return parts;
}

function minutesAxis(f: Frame, values: number[]): string[] {
  return [...new Set(values)].map((minutes) => {
    const y = f.y(minutes);
    return `<text x="${MARGIN.left - 6}" y="${y + 4}" text-anchor="end" class="axis">${escapeHtml(duration(minutes))}</text>`;
  });
}

function objectiveLine(f: Frame, minutes: number, label: string): string[] {
  const y = f.y(minutes);
  return [
    `<line x1="${MARGIN.left}" y1="${y}" x2="${MARGIN.left + PLOT_W}" y2="${y}" class="objective"/>`,
    `<text x="${MARGIN.left + PLOT_W - 4}" y="${y - 4}" text-anchor="end" class="objective-label">${escapeHtml(label)}</text>`,
  ];
}

/**
 * The age of the newest restorable data over the period, per place: it grows while no new
 * snapshot arrives and drops when one does (a sawtooth). Peaks above the objective line are RPO
 * breaches. A gap retention has thinned is a grey band: the listing cannot tell what was there.
 * The copy targets are drawn first, so the source region stays on top.
 */
export function rpoChart(db: DatabaseEvidence, period: { from: string; to: string }): string {
  const series: Array<{ name: string; gaps: Gap[]; colour: string }> = [
    { name: 'source', gaps: db.rpo.gaps, colour: SERIES_COLOURS[0]! },
    ...db.copies
      .filter((c) => !c.error)
      .map((c, i) => ({
        name: c.target,
        gaps: c.rpo.gaps,
        colour: SERIES_COLOURS[(i + 1) % SERIES_COLOURS.length]!,
      })),
  ];
  const measured = series.flatMap((s) => s.gaps.filter((g) => !g.thinnedByRetention).map((g) => g.minutes));
  const top = Math.max(db.objectives.rpoMinutes * 1.5, ...measured) * 1.05;
  const f = frame(period, top);
  const body = [...timeAxis(period, f), ...minutesAxis(f, [0, db.objectives.rpoMinutes, Math.round(top)])];
  const start = Date.parse(period.from);
  for (const s of [...series].reverse()) {
    let peak: number | undefined;
    for (const gap of s.gaps) {
      const from = Math.max(start, Date.parse(gap.from));
      const to = Date.parse(gap.to);
      if (to <= from) continue;
      if (gap.thinnedByRetention) {
        peak = undefined;
        if (s.name !== 'source') continue;
        body.push(
          `<rect class="thinned" x="${f.x(from)}" y="${MARGIN.top}" width="${n(f.x(to) - f.x(from))}" height="${PLOT_H}"><title>${escapeHtml(`${gap.from} to ${gap.to}: thinned by retention, at most ${duration(gap.minutes)}`)}</title></rect>`,
        );
        continue;
      }
      const y0 = (from - Date.parse(gap.from)) / 60_000;
      // The drop from the previous peak is where this snapshot became restorable.
      const drop = peak === undefined ? '' : `${f.x(from)},${f.y(peak)} `;
      peak = gap.minutes;
      body.push(
        `<polyline class="age" data-series="${escapeHtml(s.name)}" stroke="${s.colour}" points="${drop}${f.x(from)},${f.y(y0)} ${f.x(to)},${f.y(gap.minutes)}"><title>${escapeHtml(`${s.name}: ${gap.from} to ${gap.to}, ${duration(gap.minutes)}`)}</title></polyline>`,
      );
    }
  }
  // Legend entries side by side, each as wide as its name.
  let legendX = MARGIN.left + 6;
  const legend = (text: string, fill: string) => {
    body.push(
      `<text x="${n(legendX)}" y="${MARGIN.top + 12}" fill="${fill}" class="legend">${escapeHtml(text)}</text>`,
    );
    legendX += text.length * 6.5 + 18;
  };
  for (const s of series) legend(`■ ${s.name}`, s.colour);
  if (series.some((s) => s.gaps.some((g) => g.thinnedByRetention))) legend('▒ thinned by retention', '#777');
  body.push(
    ...objectiveLine(f, db.objectives.rpoMinutes, `RPO objective ${duration(db.objectives.rpoMinutes)}`),
  );
  return svg('rpo', `${db.database}: age of the newest restorable snapshot over the period`, body);
}

/** Every restore-verify run on the period's time line, one row per target: passed ● and failed ✕. */
export function verifyChart(db: DatabaseEvidence, period: { from: string; to: string }): string {
  const targets = [...new Set(db.verifications.map((v) => v.target))];
  const f = frame(period, 1);
  const body = timeAxis(period, f);
  const rows = Math.max(1, targets.length);
  const rowY = (i: number) => n(MARGIN.top + ((i + 0.5) / rows) * PLOT_H);
  targets.forEach((target, i) => {
    body.push(
      `<text x="${MARGIN.left - 6}" y="${rowY(i) + 4}" text-anchor="end" class="axis">${escapeHtml(target)}</text>`,
    );
  });
  for (const run of db.verifications) {
    const x = f.x(run.at);
    const y = rowY(targets.indexOf(run.target));
    const title = `<title>${escapeHtml(`${run.at} ${run.target}: ${run.result}${run.problem ? ` (${run.problem})` : ''}`)}</title>`;
    body.push(
      run.result === 'passed'
        ? `<circle class="run passed" cx="${x}" cy="${y}" r="5">${title}</circle>`
        : `<path class="run failed" d="M${x - 5},${y - 5} L${x + 5},${y + 5} M${x - 5},${y + 5} L${x + 5},${y - 5}">${title}</path>`,
    );
  }
  if (db.verifications.length === 0) {
    body.push(
      `<text x="${MARGIN.left + PLOT_W / 2}" y="${MARGIN.top + PLOT_H / 2}" text-anchor="middle" class="empty">no restore-verify in the period</text>`,
    );
  }
  return svg('verify', `${db.database}: restore-verify results over the period`, body);
}

/** Measured RTO of each passed restore-verify, against the objective. */
export function rtoChart(db: DatabaseEvidence, period: { from: string; to: string }): string {
  const measured = db.verifications.filter((v) => v.rtoMinutes !== null);
  const top = Math.max(db.objectives.rtoMinutes * 1.25, ...measured.map((v) => v.rtoMinutes!)) * 1.05;
  const f = frame(period, top);
  const body = [...timeAxis(period, f), ...minutesAxis(f, [0, db.objectives.rtoMinutes, Math.round(top)])];
  if (measured.length > 1) {
    body.push(
      `<polyline class="trend" points="${measured.map((v) => `${f.x(v.at)},${f.y(v.rtoMinutes!)}`).join(' ')}"/>`,
    );
  }
  for (const run of measured) {
    body.push(
      `<circle class="rto ${run.rtoMet ? 'met' : 'missed'}" cx="${f.x(run.at)}" cy="${f.y(run.rtoMinutes!)}" r="4"><title>${escapeHtml(`${run.at} ${run.target}: RTO ${duration(run.rtoMinutes)}`)}</title></circle>`,
    );
  }
  if (measured.length === 0) {
    body.push(
      `<text x="${MARGIN.left + PLOT_W / 2}" y="${MARGIN.top + PLOT_H / 2}" text-anchor="middle" class="empty">no measured RTO in the period</text>`,
    );
  }
  body.push(
    ...objectiveLine(f, db.objectives.rtoMinutes, `RTO objective ${duration(db.objectives.rtoMinutes)}`),
  );
  return svg('rto', `${db.database}: measured RTO of each passed restore-verify`, body);
}
