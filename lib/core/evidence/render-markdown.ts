import { adherenceText, duration, instant, rpoText, verdict } from './format.js';
import type { DatabaseEvidence, Evidence } from './types.js';

// A pipe or a line break inside a cell would end it.
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** The evidence as Markdown, for a wiki page or a ticket; the same numbers as the JSON. */
export function renderEvidenceMarkdown(evidence: Evidence): string {
  const lines = [
    '# Recoverability evidence',
    '',
    `Period ${instant(evidence.period.from)} to ${instant(evidence.period.to)} (${evidence.period.days} days).`,
    `Snapshots from ${evidence.sources.snapshots}; restore-verify reports from ${evidence.sources.reports}.`,
    '',
    '| Database | Policy | Schedule adherence | RPO achieved | DR copies | Verified restores | RTO (max) |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const db of evidence.databases) {
    const copies = db.copies
      .map((c) => (c.error ? `${c.target}: unreadable` : `${c.target}: ${c.present}/${c.expected}`))
      .join(', ');
    const passed = db.verifications.filter((v) => v.result === 'passed').length;
    lines.push(
      `| ${cell(db.database)} | ${cell(db.policy)} | ${db.adherence.percent === null ? 'n/a' : `${db.adherence.percent}%`} | ${duration(db.rpo.largestGapMinutes)} / ${duration(db.objectives.rpoMinutes)} ${verdict(db.rpo.met, 'cannot tell')} | ${cell(copies || 'none configured')} | ${passed} passed, ${db.failures.length} failed | ${duration(db.rto.maxMinutes)} / ${duration(db.objectives.rtoMinutes)} ${verdict(db.rto.met)} |`,
    );
  }
  for (const db of evidence.databases) lines.push('', ...databaseSection(db));
  if (evidence.notes.length > 0) lines.push('', '## Notes', '', ...evidence.notes.map((n) => `- ${n}`));
  return `${lines.join('\n')}\n`;
}

function databaseSection(db: DatabaseEvidence): string[] {
  const lines = [
    `## ${db.database} (${db.kind}, policy ${db.policy})`,
    '',
    `- Schedule \`${db.schedule.expression}\`${db.schedule.timezone ? ` in ${db.schedule.timezone}` : ' (UTC)'}: ${adherenceText(db)}`,
    `- RPO at the source: ${rpoText(db.rpo)}`,
  ];
  for (const copy of db.copies) {
    lines.push(
      copy.error
        ? `- DR copies at ${copy.target}: could not be read (${copy.error})`
        : `- DR copies at ${copy.target}: ${copy.present} of ${copy.expected} snapshots copied${copy.missing.length > 0 ? ` (missing: ${copy.missing.slice(0, 10).join(', ')})` : ''}; RPO ${rpoText(copy.rpo)}`,
    );
  }
  if (db.adherence.missedAt.length > 0) {
    lines.push(`- Missed scheduled snapshots: ${db.adherence.missedAt.map(instant).join(', ')}`);
  }
  lines.push(
    '',
    '| When | Where | Snapshot | Result | RTO | Objective |',
    '| --- | --- | --- | --- | --- | --- |',
  );
  if (db.verifications.length === 0) lines.push('| no restore-verify in the period | | | | | |');
  for (const run of db.verifications) {
    lines.push(
      `| ${instant(run.at)} | ${cell(run.target)} | ${cell(run.snapshotId ?? 'n/a')} | ${run.result === 'passed' ? 'passed' : `FAILED: ${cell(run.problem ?? '')}`} | ${duration(run.rtoMinutes)} | ${duration(run.rtoObjectiveMinutes)} ${verdict(run.rtoMet)} |`,
    );
  }
  if (db.failures.length > 0) {
    lines.push('', '| Failed | Where | Next pass | Time to recovery |', '| --- | --- | --- | --- |');
    for (const f of db.failures) {
      lines.push(
        `| ${instant(f.at)} | ${cell(f.target)} | ${f.recoveredAt ? instant(f.recoveredAt) : 'not yet'} | ${duration(f.minutesToRecovery)} |`,
      );
    }
  }
  return lines;
}
