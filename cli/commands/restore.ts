import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import type { Command } from 'commander';
import {
  ConfigError,
  InvalidInputError,
  NotFoundError,
  VerificationFailedError,
} from '../../lib/core/errors.js';
import { parseRestoreVerifyInput } from '../../lib/core/use-cases/restore-verify/validate-input.js';
import { awsClientConfig, regionOf, withAwsOptions, type AwsOptions } from '../aws-options.js';
import { pollInterval } from '../numbers.js';

interface RestoreOptions extends AwsOptions {
  db: string;
  snapshot?: string;
  time?: string;
  target?: string;
  policy?: string;
  keepScratch?: boolean;
  wait?: boolean;
  stateMachineArn?: string;
  pollSeconds: string;
}

// ISO 8601 with a date, a time and an explicit zone: a restore time without a zone is a guess.
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export function registerRestore(program: Command): void {
  withAwsOptions(
    program
      .command('restore')
      .description('start a restore-verify of a database in the deployed stack, and optionally follow it')
      .requiredOption('--db <id>', 'DB instance or Aurora cluster identifier')
      .option('--snapshot <id>', 'snapshot id or ARN to restore (default: the newest managed one)')
      .option(
        '--time <iso>',
        'restore to this point in time instead, e.g. 2026-11-24T09:30:00Z, or "latest" (a target with replicated backups)',
      )
      .option('--target <name>', '"primary" (default), a DR region, or "<account>/<region>"')
      .option(
        '--policy <name>',
        'policy whose verify settings apply (default: the one selecting the database)',
      )
      .option('--keep-scratch', 'leave the scratch instance for inspection (it still expires)')
      .option('--wait', 'follow the execution step by step and print the report summary')
      .option('--state-machine-arn <arn>', 'the restore-verify state machine (default: found by name)')
      .option('--poll-seconds <n>', 'how often --wait asks for progress', '5'),
  ).action(async (options: RestoreOptions) => {
    const input = restoreInput(options);
    const pollMs = pollInterval('--poll-seconds', options.pollSeconds);
    const client = new SFNClient(awsClientConfig(options));
    await regionOf(client);
    const stateMachineArn = options.stateMachineArn ?? (await findStateMachine(client));
    const started = await client.send(
      new StartExecutionCommand({
        stateMachineArn,
        // Execution names are unique per state machine for 90 days: the time keeps reruns apart.
        name: `restore-${options.db}-${new Date().toISOString().replace(/[-:.]/g, '')}`.slice(0, 80),
        input: JSON.stringify(input),
      }),
    );
    const executionArn = started.executionArn!;
    console.log(`Started restore-verify of ${options.db}: ${executionArn}`);
    if (!options.wait) {
      // Running `restore` again would start a second execution; following this one is a describe.
      console.log(`Follow it with: aws stepfunctions describe-execution --execution-arn ${executionArn}`);
      return;
    }
    await follow(client, executionArn, pollMs);
  });
}

/** The state machine input (ValidateInput's schema), or a one-line usage error before anything starts. */
export function restoreInput(options: RestoreOptions): Record<string, unknown> {
  if (options.snapshot && options.time) {
    throw new InvalidInputError('--snapshot and --time are exclusive: restore a snapshot or a point in time');
  }
  const latest = options.time === 'latest';
  if (
    options.time !== undefined &&
    !latest &&
    (!ISO_TIME.test(options.time) || Number.isNaN(Date.parse(options.time)))
  ) {
    throw new InvalidInputError(
      `--time "${options.time}" is not an ISO 8601 time with a zone, such as 2026-11-24T09:30:00Z, or "latest"`,
    );
  }
  const input = {
    source: options.db,
    ...(options.policy ? { policy: options.policy } : {}),
    ...(options.snapshot ? { snapshot: options.snapshot } : {}),
    // "latest": the replicated backups' latest restorable time, which ResolveSnapshot reads there.
    ...(options.time ? { pointInTime: latest ? 'latest' : new Date(options.time).toISOString() } : {}),
    ...(options.target ? { target: options.target } : {}),
    ...(options.keepScratch ? { keepScratch: true } : {}),
  };
  try {
    parseRestoreVerifyInput(input);
  } catch (error) {
    // The schema lists every problem on its own line; an operator's terminal gets the first.
    const lines = (error instanceof Error ? error.message : String(error)).split('\n');
    const first =
      lines
        .find((line) => line.trim().startsWith('- '))
        ?.trim()
        .slice(2) ?? lines[0];
    throw new InvalidInputError(`restore input: ${first}`, { cause: error });
  }
  return input;
}

async function findStateMachine(client: SFNClient): Promise<string> {
  const found: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListStateMachinesCommand({ nextToken }));
    for (const machine of page.stateMachines ?? []) {
      if (machine.name && /restore-?verify/i.test(machine.name) && machine.stateMachineArn) {
        found.push(machine.stateMachineArn);
      }
    }
    nextToken = page.nextToken;
  } while (nextToken);
  if (found.length === 1) return found[0]!;
  if (found.length === 0) {
    throw new NotFoundError(
      'no restore-verify state machine in this account and region: pass --state-machine-arn',
    );
  }
  throw new ConfigError(
    `several restore-verify state machines (${found.join(', ')}): pass --state-machine-arn`,
  );
}

/** Prints each state as the execution enters it, then the report summary from its output. */
async function follow(client: SFNClient, executionArn: string, pollMs: number): Promise<void> {
  let seen = 0;
  for (;;) {
    // Status first, history second: once the status is final, the history read after it holds
    // every state, so the last ones are printed before the summary, however the two calls race.
    const execution = await client.send(new DescribeExecutionCommand({ executionArn }));
    const events = await history(client, executionArn);
    for (const event of events.slice(seen)) {
      const line = describeEvent(event);
      if (line) console.log(line);
    }
    seen = events.length;
    if (execution.status !== 'RUNNING' && execution.status !== 'PENDING_REDRIVE') {
      const output = parseOutput(execution.output);
      printSummary(output);
      if (execution.status === 'SUCCEEDED' && reportVerdict(output) !== 'failed') {
        console.log('Verified.');
        return;
      }
      const why = [execution.error, execution.cause].filter(Boolean).join(': ');
      throw new VerificationFailedError(
        `restore-verify ${execution.status?.toLowerCase()}${why ? `: ${why}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

async function history(client: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000 }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

function describeEvent(event: HistoryEvent): string | undefined {
  const at = event.timestamp ? event.timestamp.toISOString().slice(11, 19) : '';
  if (event.stateEnteredEventDetails?.name) return `${at}  → ${event.stateEnteredEventDetails.name}`;
  // A Task whose Resource is a Lambda function ARN (every one of restore-verify's) fails as
  // LambdaFunctionFailed, not TaskFailed
  // (https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html).
  const failed =
    event.taskFailedEventDetails ??
    event.taskTimedOutEventDetails ??
    event.lambdaFunctionFailedEventDetails ??
    event.lambdaFunctionTimedOutEventDetails ??
    event.lambdaFunctionStartFailedEventDetails ??
    event.lambdaFunctionScheduleFailedEventDetails;
  if (failed) {
    const { error, cause } = failed;
    return `${at}  ✗ ${error ?? 'task failed'}${cause ? `: ${cause.slice(0, 200)}` : ''}`;
  }
  if (event.executionFailedEventDetails) {
    return `${at}  ✗ ${event.executionFailedEventDetails.error ?? 'execution failed'}`;
  }
  return undefined;
}

function parseOutput(output: string | undefined): Record<string, unknown> | undefined {
  if (!output) return undefined;
  try {
    const value: unknown = JSON.parse(output);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function reportVerdict(output: Record<string, unknown> | undefined): string | undefined {
  const report = output?.report as { verdict?: string } | undefined;
  return report?.verdict;
}

function printSummary(output: Record<string, unknown> | undefined): void {
  if (!output) return;
  const comparison = output.comparison as
    | { summary?: string; differences?: Array<{ database: string; table: string; reason: string }> }
    | undefined;
  const report = output.report as { key?: string; verdict?: string } | undefined;
  if (comparison?.summary) console.log(`Comparison: ${comparison.summary}`);
  for (const difference of comparison?.differences ?? []) {
    console.log(`  ${difference.database} ${difference.table}: ${difference.reason}`);
  }
  if (report?.key) console.log(`Report: ${report.key} (${report.verdict ?? 'unknown'})`);
}
