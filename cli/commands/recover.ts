import { writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { RDSClient } from '@aws-sdk/client-rds';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Command } from 'commander';
import { liveConnectionFromSecret } from '../../lib/adapters/aws/live-database-secret.js';
import { RdsScratchRestorer } from '../../lib/adapters/aws/rds-restores.js';
import { RdsSnapshotStore } from '../../lib/adapters/aws/rds-snapshots.js';
import {
  rdsEndpointConnections,
  SCRATCH_ENDPOINT_OVERRIDE,
  withLoopbackEndpoint,
} from '../../lib/adapters/aws/scratch-connections.js';
import { SecretsManagerCredentials } from '../../lib/adapters/aws/scratch-credentials.js';
import { connectionFromUrl } from '../../lib/adapters/db/index.js';
import { diffJson, renderDiff } from '../../lib/core/diff/report.js';
import { hasDifferences } from '../../lib/core/diff/types.js';
import { InvalidInputError } from '../../lib/core/errors.js';
import { recoverRows, type RecoverPorts } from '../../lib/core/use-cases/recover-rows.js';
import { awsClientConfig, regionOf, withAwsOptions, type AwsOptions } from '../aws-options.js';
import { EXIT } from '../exit.js';
import { readPolicyFile } from '../policy-file.js';
import { runDiff } from './diff.js';
import { pollInterval } from '../numbers.js';

interface RecoverOptions extends AwsOptions {
  db: string;
  time: string;
  table: string[];
  liveUrl?: string;
  liveSecret?: string;
  sql?: string;
  json?: boolean;
  report?: string;
  keep?: boolean;
  deleteInserted?: boolean;
  policy: string;
  policyName?: string;
  passwordKeySecret?: string;
  pollSeconds: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];
// As `lifeboat restore --time`: a time without a zone is a guess.
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export function registerRecover(program: Command): void {
  withAwsOptions(
    program
      .command('recover')
      .description(
        'restore a database to a point in time as a scratch instance, diff it (BEFORE) against the live database (AFTER), write the report and the repair script, delete the scratch',
      )
      .requiredOption('--db <id>', 'DB instance or Aurora cluster identifier')
      .requiredOption(
        '--time <iso>',
        'the point in time to recover, just before the bad statement, e.g. 2026-11-24T09:29:00Z',
      )
      .option('--table <table>', 'only this table (repeatable)', collect, [])
      .option(
        '--live-url <url>',
        'the live database (AFTER): postgres://... or mysql://... (or LIFEBOAT_LIVE_URL)',
      )
      .option(
        '--live-secret <arn>',
        "instead of --live-url: a Secrets Manager secret with the live database's login (username, password; host, port, engine, dbname or those of --db)",
      )
      .option('--sql <file>', 'write the repair script here')
      .option('--delete-inserted', 'the repair script also deletes the rows inserted since --time')
      .option('--report <file>', 'write the diff as JSON here')
      .option('--json', 'print the diff as JSON')
      .option('--keep', 'leave the scratch instance for inspection (it still expires)')
      .option('--policy <file>', 'policy file', process.env.LIFEBOAT_POLICY_FILE ?? 'lifeboat.yml')
      .option(
        '--policy-name <name>',
        'policy whose verify settings apply (default: the one selecting the database)',
      )
      .option(
        '--password-key-secret <arn>',
        "the stack's scratch password key secret (or LIFEBOAT_SCRATCH_PASSWORD_KEY)",
      )
      .option('--poll-seconds <n>', 'how often to ask RDS while the scratch is restored', '15'),
  ).action(async (options: RecoverOptions) => {
    const pollMs = pollInterval('--poll-seconds', options.pollSeconds);
    if (!ISO_TIME.test(options.time) || Number.isNaN(Date.parse(options.time))) {
      throw new InvalidInputError(
        `--time must be an ISO 8601 time with a zone, e.g. 2026-11-24T09:29:00Z, not "${options.time}"`,
      );
    }
    if (options.liveUrl && options.liveSecret) {
      throw new InvalidInputError('--live-url and --live-secret name the live database twice: give one');
    }
    const liveUrl = options.liveSecret ? undefined : (options.liveUrl ?? process.env.LIFEBOAT_LIVE_URL);
    if (!liveUrl && !options.liveSecret) {
      throw new InvalidInputError('--live-url or --live-secret is required (or set LIFEBOAT_LIVE_URL)');
    }
    const urlLive = liveUrl
      ? connectionFromUrl(liveUrl, options.liveUrl ? '--live-url' : 'LIFEBOAT_LIVE_URL')
      : undefined;
    const passwordKey = options.passwordKeySecret ?? process.env.LIFEBOAT_SCRATCH_PASSWORD_KEY;
    if (!passwordKey) {
      throw new InvalidInputError('--password-key-secret is required (or set LIFEBOAT_SCRATCH_PASSWORD_KEY)');
    }
    const policies = await readPolicyFile(options.policy);
    const config = awsClientConfig(options);
    const rds = new RDSClient(config);
    const region = await regionOf(rds);
    const live =
      urlLive ??
      (await liveConnectionFromSecret(
        { secrets: new SecretsManagerClient(config), rds },
        options.liveSecret!,
        options.db,
      ));
    const restorer = new RdsScratchRestorer({ client: rds, region });
    const override = process.env[SCRATCH_ENDPOINT_OVERRIDE];
    const ports: RecoverPorts = {
      policies,
      snapshots: new RdsSnapshotStore({ client: rds, region }),
      restorer,
      tagger: restorer,
      // Test-only, as in the restore-verify functions: moto restores no database.
      connections: override ? withLoopbackEndpoint(rdsEndpointConnections, override) : rdsEndpointConnections,
      credentials: new SecretsManagerCredentials({
        client: new SecretsManagerClient(config),
        passwordKeySecretArn: passwordKey,
      }),
      clock: () => new Date(),
    };
    // Ctrl-C stops the wait and deletes the scratch on the way out; a second one stops at once.
    const interrupt = new AbortController();
    const onSignal = (signal: NodeJS.Signals) => {
      console.error(
        `${signal}: stopping; the scratch is deleted first (${signal} again leaves it to expire)`,
      );
      interrupt.abort(new Error(`recover stopped by ${signal}`));
      process.exitCode = signal === 'SIGINT' ? 130 : 143;
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const recovery = await recoverRows(
      {
        source: options.db,
        pointInTime: options.time,
        keep: options.keep === true,
        ...(options.policyName ? { policy: options.policyName } : {}),
      },
      (database) => ({ ...live, database: live.database || database }),
      {
        restore: ports,
        sleep: (ms, signal) => sleep(ms, undefined, signal ? { signal } : {}),
        signal: interrupt.signal,
        pollMs,
        progress: (line) => console.error(line),
      },
      (before, after) =>
        runDiff(before, after, {
          tables: options.table,
          ...(options.sql ? { sql: options.sql } : {}),
          deleteInserted: options.deleteInserted === true,
        }),
    )
      .catch((error: unknown) => {
        // Interrupted: the cleanup line printed says what became of the scratch; nothing to report.
        const reason: unknown = interrupt.signal.reason;
        if (reason !== undefined && (error === reason || (error as Error).cause === reason)) return undefined;
        throw error;
      })
      .finally(() => {
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
      });
    if (!recovery) return;
    const diff = recovery.result;
    if (options.report)
      await writeFile(
        options.report,
        `${JSON.stringify({ ...diffJson(diff), recovery: { scratch: recovery.scratch, cleanup: recovery.cleanup, timings: recovery.timings } }, null, 2)}\n`,
      );
    console.log(options.json ? JSON.stringify(diffJson(diff), null, 2) : renderDiff(diff));
    if (options.sql && hasDifferences(diff))
      console.error(`Repair script written to ${options.sql}; Lifeboat does not run it.`);
    process.exitCode = hasDifferences(diff) ? EXIT.failed : EXIT.ok;
  });
}
