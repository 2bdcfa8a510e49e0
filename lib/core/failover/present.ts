import { describeSource } from './source.js';
import { measure, type FailoverEnd } from './record.js';
import type { FailoverPlan } from './types.js';

/** The settings as one line: what the new database will be. */
export function describeSettings(plan: FailoverPlan): string {
  const s = plan.settings;
  const parts = [
    s.instanceClass,
    ...(plan.kind === 'instance' ? [s.multiAz ? 'Multi-AZ' : 'single-AZ'] : []),
    s.subnetGroup ? `subnet group ${s.subnetGroup}` : 'default subnet group',
    ...(s.securityGroups.length > 0 ? [`security groups ${s.securityGroups.join(' ')}`] : []),
    ...(s.parameterGroup ? [`parameter group ${s.parameterGroup}`] : []),
    ...(s.optionGroup ? [`option group ${s.optionGroup}`] : []),
    'deletion protection on',
    'not publicly accessible',
  ];
  return parts.join(', ');
}

/** What `--dry-run` prints, and the head of every failover's output. */
export function formatPlan(plan: FailoverPlan): string {
  const lines = [
    `Failover of ${plan.database} (${plan.kind === 'instance' ? 'DB instance' : 'Aurora cluster'}, ${plan.engine}), policy ${plan.policy}, to ${plan.target.label}`,
    `  source        ${describeSource(plan.source)}`,
    `  data as of    ${plan.dataAt}`,
    `  data loss     writes after ${plan.dataLoss.from} (${plan.dataLoss.minutes} min before ${plan.dataLoss.to}); RPO objective ${plan.objectives.rpoMinutes} min`,
    `  new database  ${plan.newId}: ${describeSettings(plan)}`,
    ...plan.settings.instances.map(
      (i) =>
        `    instance    ${i.id} ${i.instanceClass}${i.availabilityZone ? ` in ${i.availabilityZone}` : ''}`,
    ),
    `  tags          ${Object.entries(plan.tags)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
    ...plan.warnings.map((w) => `  WARNING: ${w}`),
  ];
  return lines.join('\n');
}

/** The end of a failover: endpoint, RTO and RPO beside the objectives. */
export function formatEnd(plan: FailoverPlan, end: FailoverEnd): string {
  const m = measure(plan, end);
  const mark = (met: boolean | null) => (met === null ? '' : met ? '  (met)' : '  (MISSED)');
  if (end.state === 'started') {
    return [
      `Started: ${plan.newId} is ${end.database.status} in ${plan.target.label}.`,
      `  follow it      lifeboat failover --db ${plan.database} --to ${plan.target.label} --name ${plan.newId} --wait`,
      `  or             aws rds wait ${plan.kind === 'instance' ? 'db-instance-available --db-instance-identifier' : 'db-cluster-available --db-cluster-identifier'} ${plan.newId} --region ${plan.target.region}`,
    ].join('\n');
  }
  if (end.state !== 'available') {
    return `Failover of ${plan.database} to ${plan.newId} did not finish: ${end.state}${end.database ? ` (status ${end.database.status})` : ''}`;
  }
  const endpoint = end.database.endpoint
    ? `${end.database.endpoint.host}:${end.database.endpoint.port}`
    : '(not reported yet)';
  return [
    `Available: ${plan.newId} in ${plan.target.label}`,
    `  endpoint      ${endpoint}`,
    `  RTO           ${m.rtoMinutes} min measured (command start to available); objective ${plan.objectives.rtoMinutes} min${mark(m.rtoMet)}`,
    `  data as of    ${plan.dataAt}`,
    `  RPO           ${m.rpoMinutes} min (data time to command start); objective ${plan.objectives.rpoMinutes} min${mark(m.rpoMet)}`,
    `Next: point the applications at the endpoint (lifeboat runbook, "Regional outage").`,
  ].join('\n');
}
