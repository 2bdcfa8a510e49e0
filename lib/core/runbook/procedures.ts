import type { RunbookFacts, TargetFacts } from './facts.js';

/** A value the team must fill in: marked so that nobody mistakes it for one Lifeboat knows. */
export const placeholder = (what: string) => `<TEAM: ${what}>`;

export interface Step {
  text: string;
  lifeboat?: string[];
  aws?: string[];
}

export interface Procedure {
  id: 'bad-data' | 'instance-loss' | 'regional-outage' | 'account-compromise' | 'team';
  title: string;
  when: string;
  steps: Step[];
}

const TIME = placeholder('a time just before the bad change, ISO 8601 UTC');

function restoredId(facts: RunbookFacts, suffix: string): string {
  return `${facts.database}-${suffix}`.slice(0, 63).replace(/-+$/, '');
}

/** The aws CLI commands that restore at a target what `lifeboat failover` would. */
function failoverAws(facts: RunbookFacts, target: TargetFacts, profile?: string): string[] {
  const s = target.failover;
  const newId = restoredId(facts, 'failover');
  const where = `--region ${target.region}${profile ? ` --profile ${profile}` : ''}`;
  const network = [
    s?.subnetGroup
      ? `--db-subnet-group-name ${s.subnetGroup}`
      : `--db-subnet-group-name ${placeholder('DB subnet group')}`,
    s && s.securityGroups.length > 0
      ? `--vpc-security-group-ids ${s.securityGroups.join(' ')}`
      : `--vpc-security-group-ids ${placeholder('security group ids')}`,
  ].join(' ');
  const tags = `--tags Key=lifeboat:failover,Value=${placeholder('now, ISO')} Key=lifeboat:failover-of,Value=${facts.database}`;
  const copy = target.newestVerifiedCopy ?? target.newestCopy;
  const copyId = copy?.id ?? placeholder(`newest copy of ${facts.database} in ${target.label}`);
  if (facts.kind === 'cluster') {
    const instances = s?.instances ?? [{}];
    return [
      `aws rds describe-db-cluster-snapshots --snapshot-type manual ${where} --query "DBClusterSnapshots[?starts_with(DBClusterSnapshotIdentifier, 'lifeboat-${facts.database}-')]"`,
      `aws rds restore-db-cluster-from-snapshot --db-cluster-identifier ${newId} --snapshot-identifier ${copyId} --engine ${facts.engine ?? placeholder('engine')} ${network}${s?.parameterGroup ? ` --db-cluster-parameter-group-name ${s.parameterGroup}` : ''} --deletion-protection ${tags} ${where}`,
      ...instances.map(
        (instance, i) =>
          `aws rds create-db-instance --db-instance-identifier ${newId}-${i + 1} --db-cluster-identifier ${newId} --engine ${facts.engine ?? placeholder('engine')} --db-instance-class ${instance.instanceClass ?? s?.instanceClass ?? placeholder('instance class')} --no-publicly-accessible ${where}`,
      ),
      `aws rds wait db-instance-available --db-instance-identifier ${newId}-1 ${where}`,
    ];
  }
  const common = `--db-instance-class ${s?.instanceClass ?? placeholder('instance class')} ${network}${s?.parameterGroup ? ` --db-parameter-group-name ${s.parameterGroup}` : ''}${s?.optionGroup ? ` --option-group-name ${s.optionGroup}` : ''}${s?.multiAz ? ' --multi-az' : ''} --no-publicly-accessible --deletion-protection ${tags} ${where}`;
  const fromCopy = `aws rds restore-db-instance-from-db-snapshot --db-instance-identifier ${newId} --db-snapshot-identifier ${copyId} ${common}`;
  return [
    ...(target.pointInTime
      ? [
          `aws rds restore-db-instance-to-point-in-time --source-db-instance-automated-backups-arn ${target.pointInTime.arn} --use-latest-restorable-time --target-db-instance-identifier ${newId} ${common}`,
          `# or, from the newest verified copy: ${fromCopy}`,
        ]
      : [fromCopy]),
    `aws rds wait db-instance-available --db-instance-identifier ${newId} ${where}`,
  ];
}

function failoverStep(facts: RunbookFacts, target: TargetFacts, profile?: string): Step[] {
  const to = target.account ? `${target.account}/${target.region}` : target.region;
  const withProfile = profile ? ` --profile ${profile}` : '';
  const source = target.pointInTime
    ? `replicated automated backups (latest restorable time ${target.pointInTime.latestRestorableTime})`
    : target.newestVerifiedCopy
      ? `the newest verified copy ${target.newestVerifiedCopy.id} (data of ${target.newestVerifiedCopy.createdAt})`
      : target.newestCopy
        ? `the newest copy ${target.newestCopy.id}, which was NEVER VERIFIED`
        : 'nothing: there is no copy of this database there yet';
  return [
    {
      text: `Check what would be restored in ${target.label} (today: ${source}) and the writes that would be lost. Changes nothing.`,
      lifeboat: [`lifeboat failover --db ${facts.database} --to ${to} --dry-run${withProfile}`],
    },
    {
      text: `Restore production there and wait until it is available; it prints the endpoint, the measured RTO and RPO, and leaves a failover record in the DR site's reports bucket and a notification on the topic that bucket is tagged with (lifeboat:topic-arn).${target.failover ? '' : ` The policy has no copies[].failover for ${target.label}: add one (instanceClass at least) first.`}`,
      lifeboat: [
        `lifeboat failover --db ${facts.database} --to ${to} --wait --reports-bucket ${placeholder('DR site ReportsBucketName output')}${withProfile}`,
      ],
      aws: failoverAws(facts, target, profile),
    },
  ];
}

const teamSteps = (facts: RunbookFacts): Step[] => [
  {
    text: `Who decides to fail over, and who is told: ${placeholder('incident commander, escalation list')}`,
  },
  {
    text: `Point the applications at the new endpoint: ${placeholder(`connection settings / secrets of every client of ${facts.database}`)}`,
  },
  { text: `DNS: ${placeholder('the record (e.g. a Route 53 CNAME) applications use, and its TTL')}` },
  {
    text: `Credentials: the restored database keeps the master password of its source; ${placeholder('where the application users and their secrets come from')}`,
  },
  {
    text: `Protect the new database: tag it with the policy's selector so Lifeboat snapshots it, ${placeholder('monitoring and alarms')}`,
  },
  {
    text: `Fail back when the region returns: ${placeholder('plan: restore back, or keep the DR region as primary')}`,
  },
];

/** The procedures of one database's runbook, with its identifiers filled in. */
export function proceduresFor(facts: RunbookFacts): Procedure[] {
  const home = `--region ${facts.home.region}`;
  const snapshot = facts.newestSnapshot?.id ?? placeholder('newest lifeboat snapshot');
  const instance = facts.kind === 'instance';
  const regionTargets = facts.targets.filter((t) => t.tier === 'dr-region');
  const accountTargets = facts.targets.filter((t) => t.tier === 'dr-account');
  const pitrId = restoredId(facts, 'pitr');
  return [
    {
      id: 'bad-data',
      title: 'Bad data (a wrong UPDATE, DELETE or migration)',
      when: 'The database runs, but some of its rows are wrong since a known time.',
      steps: [
        {
          text: 'Find the rows the bad statement changed and a repair script, from a point-in-time scratch restore compared with the live database (nothing is changed in production):',
          lifeboat: [`lifeboat recover --db ${facts.database} --time ${TIME} --sql repair.sql`],
        },
        {
          text: 'Or restore the database to that time beside production, and copy back what is needed by hand:',
          aws: [
            instance
              ? `aws rds restore-db-instance-to-point-in-time --source-db-instance-identifier ${facts.database} --target-db-instance-identifier ${pitrId} --restore-time ${TIME} --db-instance-class ${placeholder('instance class')} --no-publicly-accessible ${home}`
              : `aws rds restore-db-cluster-to-point-in-time --source-db-cluster-identifier ${facts.database} --db-cluster-identifier ${pitrId} --restore-to-time ${TIME} ${home}`,
            ...(instance
              ? []
              : [
                  `aws rds create-db-instance --db-instance-identifier ${pitrId}-1 --db-cluster-identifier ${pitrId} --engine ${facts.engine ?? placeholder('engine')} --db-instance-class ${placeholder('instance class')} ${home}`,
                ]),
          ],
          lifeboat: [
            `lifeboat restore --db ${facts.database} --time ${TIME} --keep-scratch --wait   # verified and kept to read from, until it expires (lifeboat:expires-at); the aws form above stays`,
          ],
        },
      ],
    },
    {
      id: 'instance-loss',
      title: instance
        ? 'Instance loss (deleted or broken DB instance)'
        : 'Cluster loss (deleted or broken Aurora cluster)',
      when: `The region ${facts.home.region} works, the database does not.`,
      steps: [
        {
          text: `Restore the newest Lifeboat snapshot (${facts.newestSnapshot ? `${snapshot}, ${facts.newestSnapshot.createdAt}` : 'none found'}) as a new database, then point the applications at it:`,
          aws: instance
            ? [
                `aws rds restore-db-instance-from-db-snapshot --db-instance-identifier ${restoredId(facts, 'restored')} --db-snapshot-identifier ${snapshot} --db-instance-class ${placeholder('instance class')} --db-subnet-group-name ${placeholder('DB subnet group')} --vpc-security-group-ids ${placeholder('security group ids')} --deletion-protection ${home}`,
                `# fresher, if automated backups were retained: aws rds describe-db-instance-automated-backups --db-instance-identifier ${facts.database} ${home}, then restore-db-instance-to-point-in-time --source-dbi-resource-id <DbiResourceId> --use-latest-restorable-time`,
              ]
            : [
                `aws rds restore-db-cluster-from-snapshot --db-cluster-identifier ${restoredId(facts, 'restored')} --snapshot-identifier ${snapshot} --engine ${facts.engine ?? placeholder('engine')} --db-subnet-group-name ${placeholder('DB subnet group')} --vpc-security-group-ids ${placeholder('security group ids')} --deletion-protection ${home}`,
                `aws rds create-db-instance --db-instance-identifier ${restoredId(facts, 'restored')}-1 --db-cluster-identifier ${restoredId(facts, 'restored')} --engine ${facts.engine ?? placeholder('engine')} --db-instance-class ${placeholder('instance class')} ${home}`,
              ],
          lifeboat: [
            `lifeboat restore --db ${facts.database} --snapshot ${snapshot} --wait   # proves that snapshot restores (a scratch, deleted after)`,
          ],
        },
      ],
    },
    {
      id: 'regional-outage',
      title: `Regional outage (${facts.home.region} unavailable)`,
      when: `Nothing in ${facts.home.region} answers. Run with your own credentials; Lifeboat's functions there are down too.`,
      steps:
        regionTargets.length > 0
          ? regionTargets.flatMap((t) => failoverStep(facts, t))
          : [
              {
                text: `The policy ${facts.policy} has no DR region of this account: use the DR account below, or ${placeholder('plan without a DR region')}`,
              },
            ],
    },
    {
      id: 'account-compromise',
      title: `Account compromise (${facts.home.account} not trusted)`,
      when: 'Someone else controls the production account: restore in the DR account, with break-glass credentials of that account.',
      steps:
        accountTargets.length > 0
          ? accountTargets.flatMap((t) =>
              failoverStep(facts, t, placeholder(`break-glass profile of account ${t.account}`)),
            )
          : [
              {
                text: `The policy ${facts.policy} copies to no other account: add a copies[] target with account to survive this.`,
              },
            ],
    },
    {
      id: 'team',
      title: 'What the team does (Lifeboat cannot)',
      when: 'After any of the above.',
      steps: teamSteps(facts),
    },
  ];
}
