import { writeFile } from 'node:fs/promises';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import type { Command } from 'commander';
import { RdsSnapshotStore } from '../../lib/adapters/aws/rds-snapshots.js';
import { S3ReportStore } from '../../lib/adapters/aws/s3-reports.js';
import { stsSettingsFrom } from '../../lib/adapters/aws/sts-credentials.js';
import { copyTargetStore } from '../../lib/adapters/aws/target-stores.js';
import {
  InventorySnapshotStore,
  inventorySource,
  readInventoryFile,
} from '../../lib/adapters/inventory-file.js';
import { ReportDirectory } from '../../lib/adapters/report-directory.js';
import { renderEvidenceHtml } from '../../lib/core/evidence/render-html.js';
import { renderEvidenceJson } from '../../lib/core/evidence/render-json.js';
import { renderEvidenceMarkdown } from '../../lib/core/evidence/render-markdown.js';
import type { Evidence } from '../../lib/core/evidence/types.js';
import { ConfigError } from '../../lib/core/errors.js';
import { gatherEvidence, type EvidencePorts } from '../../lib/core/use-cases/gather-evidence.js';
import { awsClientConfig, regionOf, withAwsOptions, type AwsOptions } from '../aws-options.js';
import { EXIT } from '../exit.js';
import { readPolicyFile } from '../policy-file.js';

interface EvidenceOptions extends AwsOptions {
  policy: string;
  since: string;
  now?: string;
  db?: string;
  format: string;
  out?: string;
  inventory?: string;
  reports?: string;
  reportsBucket?: string;
}

const RENDERERS: Record<string, (evidence: Evidence) => string> = {
  html: renderEvidenceHtml,
  md: renderEvidenceMarkdown,
  json: renderEvidenceJson,
};

export function registerEvidence(program: Command): void {
  withAwsOptions(
    program
      .command('evidence')
      .description(
        'recoverability evidence for a period: schedule adherence, RPO achieved, DR copies, verified restores and RTO',
      )
      .option('--policy <file>', 'policy file', process.env.LIFEBOAT_POLICY_FILE ?? 'lifeboat.yml')
      .option('--since <period>', 'start of the period: 90d, 12w, 48h, or an ISO 8601 time', '90d')
      .option('--now <time>', 'end of the period, an ISO 8601 time (default: now)')
      .option('--db <id>', 'only this database (instance or Aurora cluster id)')
      .option('--format <format>', 'html (one printable file), md or json', 'html')
      .option('--out <file>', 'write here instead of to stdout')
      .option('--inventory <file>', 'offline: saved describe-db-snapshots output (as for lifeboat plan)')
      .option('--reports <dir>', 'offline: a local copy of the reports bucket (its reports/ folder)')
      .option(
        '--reports-bucket <bucket>',
        "the stack's reports bucket (output ReportsBucketName), or LIFEBOAT_REPORTS_BUCKET",
      ),
  ).action(async (options: EvidenceOptions) => {
    process.exitCode = await evidence(options);
  });
}

async function evidence(options: EvidenceOptions): Promise<number> {
  const render = RENDERERS[options.format];
  if (!render) throw new ConfigError(`--format "${options.format}": must be html, md or json`);
  const to = options.now === undefined ? new Date() : parseTime('--now', options.now);
  const from = parseSince(options.since, to);
  if (options.db !== undefined && !/^[A-Za-z][A-Za-z0-9-]{0,62}$/.test(options.db)) {
    throw new ConfigError(`--db "${options.db}" is not an RDS instance or cluster identifier`);
  }
  if ((options.inventory === undefined) !== (options.reports === undefined)) {
    throw new ConfigError('--inventory and --reports go together: offline, both are read from files');
  }
  const policies = await readPolicyFile(options.policy);
  const ports = options.inventory
    ? await offlinePorts(policies, options.inventory, options.reports!)
    : await livePorts(policies, options);

  const text = render(await gatherEvidence(ports, { from, to }, options.db));
  if (options.out) await writeFile(options.out, text);
  else process.stdout.write(text);
  return EXIT.ok;
}

async function offlinePorts(
  policies: EvidencePorts['policies'],
  inventoryPath: string,
  reportsPath: string,
): Promise<EvidencePorts> {
  const inventory = await readInventoryFile(inventoryPath);
  const source = inventorySource(inventory);
  return {
    policies,
    store: new InventorySnapshotStore(inventory, source.region, source.account),
    targetStores: (policy) =>
      policy.copies.map((target) => ({
        target,
        store: new InventorySnapshotStore(inventory, target.region, target.account ?? source.account),
      })),
    reports: await ReportDirectory.open(reportsPath),
    sources: { snapshots: inventoryPath, reports: reportsPath },
  };
}

async function livePorts(
  policies: EvidencePorts['policies'],
  options: EvidenceOptions,
): Promise<EvidencePorts> {
  const bucket = options.reportsBucket ?? process.env.LIFEBOAT_REPORTS_BUCKET;
  if (!bucket) {
    // Without the reports there is no verified restore to show, which is no evidence at all.
    throw new ConfigError(
      'pass --reports-bucket (or LIFEBOAT_REPORTS_BUCKET), or --inventory FILE --reports DIR offline',
    );
  }
  const base = awsClientConfig(options);
  const rds = new RDSClient(base);
  const region = await regionOf(rds);
  const sts = { ...stsSettingsFrom(base), region };
  return {
    policies,
    store: new RdsSnapshotStore({ region, client: rds }),
    targetStores: (policy) =>
      policy.copies.map((target) => ({ target, store: copyTargetStore(target, base, sts) })),
    reports: new S3ReportStore({
      bucket,
      client: new S3Client({ ...base, region, forcePathStyle: !!base.endpoint }),
    }),
    sources: { snapshots: `RDS in ${region} and every copy target`, reports: `s3://${bucket}` },
  };
}

function parseTime(option: string, text: string): Date {
  const time = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(time.getTime())) {
    throw new ConfigError(`${option} "${text}" is not an ISO 8601 time such as 2026-11-24T12:00:00Z`);
  }
  return time;
}

/** `90d`, `12w`, `48h` before `to`, or an ISO time before it. */
export function parseSince(text: string, to: Date): Date {
  const relative = /^(\d{1,4})([hdw])$/.exec(text);
  const from = relative
    ? new Date(
        to.getTime() -
          Number(relative[1]) *
            { h: 3_600_000, d: 86_400_000, w: 604_800_000 }[relative[2] as 'h' | 'd' | 'w'],
      )
    : /^\d{4}-\d{2}-\d{2}/.test(text)
      ? parseTime('--since', text)
      : undefined;
  if (!from) throw new ConfigError(`--since "${text}": must be like 90d, 12w, 48h or an ISO 8601 time`);
  if (from.getTime() >= to.getTime())
    throw new ConfigError(`--since "${text}" is not before the end of the period`);
  return from;
}
