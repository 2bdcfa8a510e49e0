import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { Option, type Command } from 'commander';
import { liveRunbookState } from '../../lib/adapters/aws/runbook-state.js';
import { S3ReportStore } from '../../lib/adapters/aws/s3-reports.js';
import { stsSettingsFrom } from '../../lib/adapters/aws/sts-credentials.js';
import { copyTargetClient } from '../../lib/adapters/aws/target-stores.js';
import { readInventoryFile } from '../../lib/adapters/inventory-file.js';
import { LocalReportStore } from '../../lib/adapters/local/report-store.js';
import { ConfigError } from '../../lib/core/errors.js';
import type { ReplicatedBackup } from '../../lib/core/failover/types.js';
import type { PolicyFile } from '../../lib/core/policy/schema.js';
import type { ReportStore } from '../../lib/core/ports.js';
import type { AccountSnapshot } from '../../lib/core/runbook/facts.js';
import { buildRunbooks, runbookFiles } from '../../lib/core/use-cases/write-runbooks.js';
import { awsClientConfig, regionOf, withAwsOptions, type AwsOptions } from '../aws-options.js';
import { EXIT } from '../exit.js';
import { readPolicyFile } from '../policy-file.js';

interface RunbookOptions extends AwsOptions {
  db?: string;
  out: string;
  format: 'md' | 'json';
  inventory?: string;
  policyFile: string;
  reportsBucket?: string;
  reportsDir?: string;
  now?: string;
}

export function registerRunbook(program: Command): void {
  withAwsOptions(
    program
      .command('runbook')
      .description(
        'one recovery runbook per protected database (and an index), from the policy and what Lifeboat measured',
      )
      .option('--db <id>', 'only this database')
      .option('--out <dir>', 'folder to write the runbooks to', 'runbooks')
      .addOption(new Option('--format <format>', 'md or json').choices(['md', 'json']).default('md'))
      .option(
        '--inventory <file>',
        'saved describe-db-snapshots / describe-db-cluster-snapshots output of every region (and describe-db-instance-automated-backups of the DR regions) instead of the live account',
      )
      .option('--policy-file <file>', 'policy file', process.env.LIFEBOAT_POLICY_FILE ?? 'lifeboat.yml')
      .option(
        '--reports-bucket <bucket>',
        'the reports bucket (ReportsBucketName output) for restore and failover history (or LIFEBOAT_REPORTS_BUCKET)',
      )
      .option('--reports-dir <dir>', 'a local copy of the reports bucket (aws s3 sync), for offline runs')
      .option('--now <time>', 'date the ages as of this ISO 8601 time (default: now)'),
  ).action(async (options: RunbookOptions) => {
    process.exitCode = await runbook(options);
  });
}

/** The automated backups of an inventory file, if it holds describe-db-instance-automated-backups output. */
async function inventoryBackups(path: string): Promise<Array<ReplicatedBackup & { region: string }>> {
  const value = JSON.parse(await readFile(path, 'utf8')) as { DBInstanceAutomatedBackups?: unknown };
  if (!Array.isArray(value.DBInstanceAutomatedBackups)) return [];
  return value.DBInstanceAutomatedBackups.flatMap((raw: Record<string, unknown>, i) => {
    const arn =
      typeof raw.DBInstanceAutomatedBackupsArn === 'string' ? raw.DBInstanceAutomatedBackupsArn : '';
    const region = arn.split(':')[3];
    const window = raw.RestoreWindow as { EarliestTime?: string; LatestTime?: string } | undefined;
    if (!region || typeof raw.DBInstanceIdentifier !== 'string') {
      throw new ConfigError(
        `inventory file ${path}: DBInstanceAutomatedBackups[${i}]: needs DBInstanceAutomatedBackupsArn and DBInstanceIdentifier`,
      );
    }
    const time = (text: string | undefined) =>
      text && !Number.isNaN(Date.parse(text)) ? new Date(text) : undefined;
    const earliest = time(window?.EarliestTime);
    const latest = time(window?.LatestTime);
    return [
      {
        arn,
        region,
        sourceId: raw.DBInstanceIdentifier,
        sourceRegion: typeof raw.Region === 'string' ? raw.Region : region,
        status: typeof raw.Status === 'string' ? raw.Status : 'unknown',
        engine: typeof raw.Engine === 'string' ? raw.Engine : '',
        ...(earliest ? { earliest } : {}),
        ...(latest ? { latest } : {}),
      },
    ];
  });
}

/** The live state, read with the operator's credentials: every copy target, DR accounts too. */
async function liveState(policies: PolicyFile, options: RunbookOptions) {
  const base = awsClientConfig(options);
  const rds = new RDSClient(base);
  const region = await regionOf(rds);
  const sts = { ...stsSettingsFrom(base), region };
  const state = await liveRunbookState(policies, {
    home: { region, client: rds },
    targetClient: (target) => copyTargetClient(target, base, sts),
  });
  return { ...state, base, region };
}

async function runbook(options: RunbookOptions): Promise<number> {
  const now = options.now ? new Date(options.now) : new Date();
  if (Number.isNaN(now.getTime())) throw new ConfigError(`--now "${options.now}" is not an ISO 8601 time`);
  const policies = await readPolicyFile(options.policyFile);
  const bucket = options.reportsBucket ?? process.env.LIFEBOAT_REPORTS_BUCKET;
  let snapshots: AccountSnapshot[];
  let backups: Array<ReplicatedBackup & { region: string }>;
  let reports: ReportStore | undefined = options.reportsDir
    ? new LocalReportStore(options.reportsDir)
    : undefined;
  if (options.inventory) {
    snapshots = (await readInventoryFile(options.inventory)).snapshots;
    backups = await inventoryBackups(options.inventory);
  } else {
    const live = await liveState(policies, options);
    snapshots = live.snapshots;
    backups = live.backups;
    if (bucket && !reports) {
      reports = new S3ReportStore({
        bucket,
        client: new S3Client({ ...live.base, region: live.region, forcePathStyle: !!live.base.endpoint }),
      });
    }
  }
  const runbooks = await buildRunbooks({
    policies,
    snapshots,
    backups,
    ...(reports ? { reports } : {}),
    ...(bucket ? { reportsBucket: bucket } : {}),
    ...(options.db !== undefined ? { database: options.db } : {}),
    now,
  });
  await mkdir(options.out, { recursive: true });
  for (const [name, content] of runbookFiles(runbooks, options.format, now)) {
    await writeFile(join(options.out, name), content);
    console.log(join(options.out, name));
  }
  return EXIT.ok;
}
