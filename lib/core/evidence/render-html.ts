import { escapeHtml as e, rpoChart, rtoChart, verifyChart } from './charts.js';
import { adherenceText, duration, instant, rpoText, verdict } from './format.js';
import type { DatabaseEvidence, Evidence } from './types.js';

/**
 * The evidence as one self-contained HTML file to open in a browser, print, or attach to an audit:
 * inline CSS, inline SVG charts, no script and nothing fetched.
 */
export function renderEvidenceHtml(evidence: Evidence): string {
  const title = `Recoverability evidence, ${evidence.period.from.slice(0, 10)} to ${evidence.period.to.slice(0, 10)}`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // Nothing may load from elsewhere: the file is evidence as it was written.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${e(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<h1>${e(title)}</h1>`,
    `<p class="meta">Period ${e(instant(evidence.period.from))} to ${e(instant(evidence.period.to))} (${evidence.period.days} days). Snapshots from ${e(evidence.sources.snapshots)}; restore-verify reports from ${e(evidence.sources.reports)}. Written by <code>lifeboat evidence</code>; <code>--format json</code> carries the same numbers.</p>`,
    summaryTable(evidence),
    ...evidence.databases.map((db) => databaseSection(db, evidence.period)),
    evidence.notes.length > 0
      ? `<section class="notes"><h2>Notes</h2><ul>${evidence.notes.map((n) => `<li>${e(n)}</li>`).join('')}</ul></section>`
      : '',
    `<p class="meta">How to read it: a scheduled time whose snapshot retention would have deleted anyway cannot be checked from the snapshot listing and is counted as not checkable, not as missed; an RPO gap across such a time is an upper bound, shown as a grey band and not held against the objective.</p>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

const mark = (met: boolean | null, unknown?: string) =>
  `<span class="${met === null ? 'na' : met ? 'ok' : 'bad'}">${e(verdict(met, unknown))}</span>`;

function summaryTable(evidence: Evidence): string {
  if (evidence.databases.length === 0) return '<p class="empty">No database has evidence in this period.</p>';
  const rows = evidence.databases.map((db) => {
    const passed = db.verifications.filter((v) => v.result === 'passed').length;
    const copies =
      db.copies.length === 0
        ? 'none configured'
        : db.copies
            .map((c) => (c.error ? `${c.target}: unreadable` : `${c.target}: ${c.present}/${c.expected}`))
            .join('<br>');
    return `<tr><td><a href="#db-${e(db.database)}">${e(db.database)}</a></td><td>${e(db.policy)}</td><td class="num">${db.adherence.percent === null ? 'n/a' : `${db.adherence.percent}%`}</td><td class="num">${e(duration(db.rpo.largestGapMinutes))} / ${e(duration(db.objectives.rpoMinutes))} ${mark(db.rpo.met, 'cannot tell')}</td><td>${copies}</td><td class="num">${passed} passed, ${db.failures.length} failed</td><td class="num">${e(duration(db.rto.maxMinutes))} / ${e(duration(db.objectives.rtoMinutes))} ${mark(db.rto.met)}</td></tr>`;
  });
  return `<table class="summary"><thead><tr><th>Database</th><th>Policy</th><th>Schedule adherence</th><th>RPO achieved (largest gap)</th><th>DR copies present</th><th>Verified restores</th><th>RTO (slowest)</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function databaseSection(db: DatabaseEvidence, period: Evidence['period']): string {
  const facts = [
    `<li>Schedule <code>${e(db.schedule.expression)}</code>${db.schedule.timezone ? ` in ${e(db.schedule.timezone)}` : ' (UTC)'}: ${e(adherenceText(db))}</li>`,
    `<li>RPO at the source region: ${e(rpoText(db.rpo))}</li>`,
    ...db.copies.map((c) =>
      c.error
        ? `<li class="bad">DR copies at ${e(c.target)}: could not be read (${e(c.error)})</li>`
        : `<li>DR copies at ${e(c.target)}: ${c.present} of ${c.expected} snapshots copied${c.missing.length > 0 ? ` (missing ${e(c.missing.slice(0, 10).join(', '))})` : ''}; RPO ${e(rpoText(c.rpo))}</li>`,
    ),
    db.adherence.missedAt.length > 0
      ? `<li class="bad">Missed scheduled snapshots: ${e(db.adherence.missedAt.map(instant).join(', '))}</li>`
      : '',
  ];
  const runs =
    db.verifications.length === 0
      ? '<tr><td colspan="6" class="empty">no restore-verify in the period</td></tr>'
      : db.verifications
          .map(
            (v) =>
              `<tr class="${v.result}"><td>${e(instant(v.at))}</td><td>${e(v.target)}</td><td><code>${e(v.snapshotId ?? 'n/a')}</code></td><td>${v.result === 'passed' ? '<span class="ok">passed</span>' : `<span class="bad">FAILED</span> ${e(v.problem ?? '')}`}</td><td class="num">${e(duration(v.rtoMinutes))}</td><td class="num">${e(duration(v.rtoObjectiveMinutes))} ${mark(v.rtoMet)}</td></tr>`,
          )
          .join('');
  const failures =
    db.failures.length === 0
      ? ''
      : `<h3>Failures and time to recovery</h3><table><thead><tr><th>Failed</th><th>Where</th><th>Why</th><th>Next pass</th><th>Time to recovery</th></tr></thead><tbody>${db.failures
          .map(
            (f) =>
              `<tr><td>${e(instant(f.at))}</td><td>${e(f.target)}</td><td>${e(f.problem)}</td><td>${f.recoveredAt ? e(instant(f.recoveredAt)) : '<span class="bad">not yet</span>'}</td><td class="num">${e(duration(f.minutesToRecovery))}</td></tr>`,
          )
          .join('')}</tbody></table>`;
  return [
    `<section class="database" id="db-${e(db.database)}" data-database="${e(db.database)}">`,
    `<h2>${e(db.database)} <small>${e(db.kind)}, policy ${e(db.policy)}, RPO ${e(duration(db.objectives.rpoMinutes))}, RTO ${e(duration(db.objectives.rtoMinutes))}</small></h2>`,
    `<ul class="facts">${facts.join('')}</ul>`,
    '<h3>Age of the newest restorable snapshot (RPO gap over time)</h3>',
    rpoChart(db, period),
    '<h3>Restore-verify results</h3>',
    verifyChart(db, period),
    '<h3>Measured RTO</h3>',
    rtoChart(db, period),
    `<h3>Verified restores</h3><table><thead><tr><th>When</th><th>Where</th><th>Snapshot</th><th>Result</th><th>RTO</th><th>Objective</th></tr></thead><tbody>${runs}</tbody></table>`,
    failures,
    '</section>',
  ].join('\n');
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1b1b1b;margin:24px auto;max-width:980px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 6px;border-bottom:2px solid #1f5fa8;padding-bottom:3px}
h2 small{font-weight:normal;color:#555;font-size:13px}h3{font-size:14px;margin:14px 0 4px;color:#333}
.meta{color:#555;font-size:12px}code{font-size:12px;background:#f2f2f2;padding:0 3px;border-radius:2px}
table{border-collapse:collapse;width:100%;margin:6px 0;font-size:12.5px}th,td{border:1px solid #d0d0d0;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#eef3f9}td.num{white-space:nowrap}tr.failed td{background:#fff4f4}
.ok{color:#1e7a34;font-weight:600}.bad{color:#b3261e;font-weight:600}.na{color:#777}.empty{color:#777;font-style:italic}
ul.facts{margin:4px 0 8px;padding-left:18px}ul.facts li{margin:2px 0}
svg.chart{display:block;max-width:100%;height:auto;margin:2px 0 6px}
svg .plot{fill:#fbfcfe;stroke:#c8c8c8}svg .tick{stroke:#888}svg .axis{font-size:10px;fill:#444}
svg .legend{font-size:11px}svg .empty{font-size:12px;fill:#777;font-style:italic}
svg .age{fill:none;stroke-width:1.6}svg .age[data-series=source]{stroke-width:2.2}svg rect.thinned{fill:#e4e4e4;opacity:.7}
svg .objective{stroke:#b3261e;stroke-dasharray:6 4;stroke-width:1.2}svg .objective-label{font-size:10px;fill:#b3261e}
svg .run.passed{fill:#2e8540}svg .run.failed{stroke:#b3261e;stroke-width:2.5;fill:none}
svg .trend{fill:none;stroke:#1f5fa8;stroke-width:1.4}svg .rto.met{fill:#1f5fa8}svg .rto.missed{fill:#b3261e}
@media print{body{margin:0;max-width:none}section.database{break-inside:avoid-page}h2{break-after:avoid}a{color:inherit;text-decoration:none}}
`;
