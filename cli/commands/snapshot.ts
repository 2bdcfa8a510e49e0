import { RDSClient } from '@aws-sdk/client-rds';
import type { Command } from 'commander';
import { RdsSnapshotStore } from '../../lib/adapters/aws/rds-snapshots.js';
import { DEFAULT_KEEP_DAYS, keepUntilFrom } from '../../lib/core/pre-change.js';
import {
  followSnapshot,
  takePreChangeSnapshot,
  type SnapshotEnd,
} from '../../lib/core/use-cases/take-pre-change-snapshot.js';
import { awsClientConfig, regionOf, withAwsOptions, type AwsOptions } from '../aws-options.js';
import { EXIT } from '../exit.js';
import { readPolicyFile } from '../policy-file.js';
import { pollInterval, wholeNumber } from '../numbers.js';

interface SnapshotOptions extends AwsOptions {
  db: string;
  reason: string;
  keepDays?: string;
  keepUntil?: string;
  policy?: string;
  policyFile: string;
  wait?: boolean;
  json?: boolean;
  pollSeconds: string;
  timeoutMinutes: string;
}

export function registerSnapshot(program: Command): void {
  withAwsOptions(
    program
      .command('snapshot')
      .description(
        "pre-change snapshot: a managed snapshot of one database under its policy's copies, kept until a time whatever retention says",
      )
      .requiredOption('--db <id>', 'DB instance or Aurora cluster identifier')
      .requiredOption(
        '--reason <text>',
        'why, e.g. "migration 42" (an RDS tag value: up to 256 letters, digits, spaces and _ . : / = + - @)',
      )
      .option('--keep-days <n>', `keep it this many days (default ${DEFAULT_KEEP_DAYS})`)
      .option('--keep-until <iso>', 'keep it until this ISO 8601 time, e.g. 2026-12-24T00:00:00Z')
      .option('--policy <name>', 'take it under this policy (default: the one selecting the database)')
      .option('--policy-file <file>', 'policy file', process.env.LIFEBOAT_POLICY_FILE ?? 'lifeboat.yml')
      .option(
        '--wait',
        'return once the snapshot is available (exit 0) or failed (exit 1), printing progress',
      )
      .option('--json', 'print the result as JSON (progress goes to stderr)')
      .option('--poll-seconds <n>', 'how often --wait asks RDS', '15')
      .option('--timeout-minutes <n>', 'how long --wait waits at most (exit 1 after)', '120'),
  ).action(async (options: SnapshotOptions) => {
    process.exitCode = await snapshot(options);
  });
}

async function snapshot(options: SnapshotOptions): Promise<number> {
  // Everything the operator typed is checked before any AWS call.
  const requestedAt = new Date();
  const keepUntil = keepUntilFrom(
    {
      ...(options.keepDays !== undefined ? { keepDays: wholeNumber('--keep-days', options.keepDays) } : {}),
      ...(options.keepUntil !== undefined ? { keepUntil: options.keepUntil } : {}),
    },
    requestedAt,
  );
  const pollMs = pollInterval('--poll-seconds', options.pollSeconds);
  const timeoutMs = wholeNumber('--timeout-minutes', options.timeoutMinutes, 1) * 60_000;
  const policies = await readPolicyFile(options.policyFile);
  const rds = new RDSClient(awsClientConfig(options));
  const region = await regionOf(rds);
  const store = new RdsSnapshotStore({ region, client: rds });

  const result = await takePreChangeSnapshot({
    database: options.db,
    reason: options.reason,
    keepUntil,
    ...(options.policy !== undefined ? { policyName: options.policy } : {}),
    policies,
    requestedAt,
    store,
  });
  const [taken] = result.databases;
  const say = (line: string) => (options.json ? console.error(line) : console.log(line));
  if (taken.outcome === 'failed' || taken.outcome === 'skipped' || !taken.snapshotId) {
    if (options.json) console.log(JSON.stringify(result));
    console.error(`lifeboat: no snapshot of ${taken.database}: ${taken.reason}`);
    return EXIT.failed;
  }
  say(
    `Pre-change snapshot ${taken.snapshotId} of ${taken.kind} ${taken.database}: ${taken.reason}; policy ${result.policy}, kept until ${result.keepUntil}`,
  );
  let end: SnapshotEnd | undefined;
  if (options.wait) {
    end = await followSnapshot({
      store,
      kind: taken.kind,
      snapshotId: taken.snapshotId,
      pollMs,
      timeoutMs,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      onProgress: (status, percent) =>
        say(
          `${new Date().toISOString().slice(11, 19)}  ${status}${percent !== undefined ? ` ${percent}%` : ''}`,
        ),
    });
  }
  if (options.json) console.log(JSON.stringify({ ...result, ...(end ? { wait: end } : {}) }));
  if (!end) return EXIT.ok;
  if (end.state === 'available') {
    say(`Available: ${taken.snapshotId} can be restored.`);
    return EXIT.ok;
  }
  const why = {
    failed: 'RDS reports it failed; see the RDS events of the snapshot',
    gone: 'it is no longer listed (deleted?)',
    'timed-out': `still ${end.status} after ${options.timeoutMinutes} minutes`,
  }[end.state];
  console.error(`lifeboat: snapshot ${taken.snapshotId}: ${why}`);
  return EXIT.failed;
}
